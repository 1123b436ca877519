import { Badge, type BadgeProps } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { listApiKeys } from "@/lib/apikeys/api-keys";
import { RevokeApiKeyButton, RotateApiKeyButton } from "./api-key-controls";

type Key = Awaited<ReturnType<typeof listApiKeys>>[number];

const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const STATUS: Record<Key["status"], { label: string; variant: BadgeProps["variant"] }> = {
  active: { label: "active", variant: "success" },
  expiring: { label: "expiring soon", variant: "outline" },
  expired: { label: "expired", variant: "secondary" },
  revoked: { label: "revoked", variant: "destructive" },
};

/** "3 minutes ago", "in 2 days"; null beyond a month either way, where a date says more. */
function relativeTime(date: Date, now: number) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  if (abs < 3_600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3_600), "hour");
  if (abs < 30 * 86_400) return relativeFormat.format(Math.round(seconds / 86_400), "day");
  return null;
}

/** A moment as a date, or as "2 hours ago" when `relative` and near; the exact time (UTC) on hover. */
function Time({ date, now, relative = false }: { date: Date; now: number; relative?: boolean }) {
  return (
    <time dateTime={date.toISOString()} title={`${timeFormat.format(date)} UTC`} className="whitespace-nowrap">
      {(relative && relativeTime(date, now)) || dateFormat.format(date)}
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
          <TableHead>Expires</TableHead>
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
              <TableCell className="min-w-36 max-w-56 font-medium">
                {k.name}
                {k.description && <span className="block truncate text-xs font-normal text-muted-foreground" title={k.description}>{k.description}</span>}
                <span className="block text-xs font-normal text-muted-foreground">{k.project ? `Project ${k.project.name}` : "Whole organization"}</span>
              </TableCell>
              <TableCell className="min-w-40 max-w-48">
                <span className="font-mono text-xs break-all">{k.display}</span>
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
              <TableCell className="text-sm">
                {k.expiresAt ? (
                  <>
                    <Time date={k.expiresAt} now={now} />
                    {k.status !== "revoked" && relativeTime(k.expiresAt, now) && <span className="block whitespace-nowrap text-xs text-muted-foreground">{relativeTime(k.expiresAt, now)}</span>}
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell className="min-w-28 text-sm" data-testid="last-used">
                {k.lastUsedAt ? (
                  <>
                    <Time date={k.lastUsedAt} now={now} relative />
                    <span className="block text-xs text-muted-foreground">
                      {k.lastUsedIp ? `from ${k.lastUsedIp} · ` : ""}
                      {requests.toLocaleString("en")} {requests === 1 ? "request" : "requests"}
                    </span>
                  </>
                ) : (
                  <span className="text-muted-foreground">Never</span>
                )}
              </TableCell>
              <TableCell>
                {canWrite && usable && (
                  <div className="flex flex-wrap justify-end gap-1">
                    <RotateApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                    <RevokeApiKeyButton orgSlug={orgSlug} apiKeyId={k.id} name={k.name} />
                  </div>
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
