import { Badge, type BadgeProps } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { listApiKeys } from "@/lib/apikeys/api-keys";
import { RevokeApiKeyButton, RotateApiKeyButton } from "./api-key-controls";

type Key = Awaited<ReturnType<typeof listApiKeys>>[number];

const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const STATUS: Record<Key["status"], { label: string; variant: BadgeProps["variant"] }> = {
  active: { label: "active", variant: "success" },
  expiring: { label: "expiring soon", variant: "outline" },
  expired: { label: "expired", variant: "secondary" },
  revoked: { label: "revoked", variant: "destructive" },
};

/** "3 minutes ago", "in 2 days"; a date beyond a month either way. */
function relativeTime(date: Date, now: number) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  if (abs < 3_600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3_600), "hour");
  if (abs < 30 * 86_400) return relativeFormat.format(Math.round(seconds / 86_400), "day");
  return timeFormat.format(date);
}

function Time({ date, now }: { date: Date; now: number }) {
  return (
    <time dateTime={date.toISOString()} title={`${timeFormat.format(date)} UTC`}>
      {relativeTime(date, now)}
    </time>
  );
}

function limits(k: Key) {
  const parts = [
    k.ipAllowList.length ? `only from ${k.ipAllowList.join(", ")}` : null,
    k.rateLimitPerSecond !== null ? `${k.rateLimitPerSecond.toLocaleString("en")}/s` : null,
    k.rateLimitPerDay !== null ? `${k.rateLimitPerDay.toLocaleString("en")}/day` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

export function ApiKeyTable({ keys, orgSlug, canWrite }: { keys: Key[]; orgSlug: string; canWrite: boolean }) {
  const now = Date.now();
  return (
    <Table aria-label="API keys">
      <TableHeader>
        <TableRow>
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Carries</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Expires (UTC)</TableHead>
          <TableHead>Last used</TableHead>
          <TableHead>
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {keys.map((k) => {
          const usable = k.status === "active" || k.status === "expiring";
          const restrictions = limits(k);
          // present() makes it a number; its inferred type (bigint & number) does not say so.
          const requests = Number(k.requestCount);
          return (
            <TableRow key={k.id} data-testid={`api-key-${k.name}`}>
              <TableCell className="max-w-64 font-medium">
                {k.name}
                {k.description && <span className="block truncate text-xs font-normal text-muted-foreground" title={k.description}>{k.description}</span>}
                <span className="block text-xs font-normal text-muted-foreground">{k.project ? `Project ${k.project.name}` : "Whole organization"}</span>
              </TableCell>
              <TableCell>
                <span className="font-mono text-xs">{k.display}</span>
                {k.previousSecretValidUntil && (
                  <span className="block text-xs text-muted-foreground">Old secret works until {timeFormat.format(k.previousSecretValidUntil)} UTC</span>
                )}
              </TableCell>
              <TableCell className="max-w-xs text-sm">
                {k.role ? `Role ${k.role.name}` : k.permissions.join(", ")}
                {restrictions && <span className="block text-xs text-muted-foreground">{restrictions}</span>}
              </TableCell>
              <TableCell>
                <Badge variant={STATUS[k.status].variant}>{STATUS[k.status].label}</Badge>
              </TableCell>
              <TableCell className="whitespace-nowrap text-sm">
                {k.expiresAt ? (
                  <>
                    {timeFormat.format(k.expiresAt)}
                    {k.status !== "revoked" && (
                      <span className="block text-xs text-muted-foreground">
                        <Time date={k.expiresAt} now={now} />
                      </span>
                    )}
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell className="whitespace-nowrap text-sm" data-testid="last-used">
                {k.lastUsedAt ? (
                  <>
                    <Time date={k.lastUsedAt} now={now} />
                    <span className="block text-xs text-muted-foreground">
                      {k.lastUsedIp ? `from ${k.lastUsedIp} · ` : ""}
                      {requests.toLocaleString("en")} {requests === 1 ? "request" : "requests"}
                    </span>
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell className="text-right whitespace-nowrap">
                {canWrite && usable && (
                  <>
                    <RotateApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                    <RevokeApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                  </>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
