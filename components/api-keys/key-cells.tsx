// Cells of API key tables (the organization's keys and the provisioning keys):
// moments (a date, or "2 hours ago" when near; the exact time in UTC on hover),
// status, restrictions, expiry and last use.
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { TableCell } from "@/components/ui/table";
import { relativeTime } from "@/components/relative-time";

export const keyTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export function KeyTime({ date, now, relative = false }: { date: Date; now: number; relative?: boolean }) {
  return (
    <time dateTime={date.toISOString()} title={`${keyTimeFormat.format(date)} UTC`} className="whitespace-nowrap">
      {(relative && relativeTime(date, now)) || dateFormat.format(date)}
    </time>
  );
}

export type KeyStatus = "active" | "expiring" | "expired" | "revoked";
const STATUS: Record<KeyStatus, { label: string; variant: BadgeProps["variant"] }> = {
  active: { label: "active", variant: "success" },
  expiring: { label: "expiring soon", variant: "outline" },
  expired: { label: "expired", variant: "secondary" },
  revoked: { label: "revoked", variant: "destructive" },
};

export function KeyStatusBadge({ status }: { status: KeyStatus }) {
  return <Badge variant={STATUS[status].variant}>{STATUS[status].label}</Badge>;
}

type Restricted = { ipAllowList: string[]; rateLimitPerSecond: number | null; rateLimitPerDay: number | null };

/** "only from 10.0.0.0/8 · 50/s · 10,000/day", or null for a key usable anywhere, without limits. */
export function keyRestrictions(k: Restricted): string | null {
  const parts = [
    k.ipAllowList.length ? `only from ${k.ipAllowList.join(", ")}` : null,
    k.rateLimitPerSecond !== null ? `${k.rateLimitPerSecond.toLocaleString("en")}/s` : null,
    k.rateLimitPerDay !== null ? `${k.rateLimitPerDay.toLocaleString("en")}/day` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

export function KeySecretCell({ display, previousSecretValidUntil }: { display: string; previousSecretValidUntil: Date | null }) {
  return (
    <TableCell className="min-w-40 max-w-48">
      <span className="font-mono text-xs break-all">{display}</span>
      {previousSecretValidUntil && <span className="block text-xs text-muted-foreground">Old secret works until {keyTimeFormat.format(previousSecretValidUntil)} UTC</span>}
    </TableCell>
  );
}

export function KeyExpiresCell({ expiresAt, status, now }: { expiresAt: Date | null; status: KeyStatus; now: number }) {
  const near = expiresAt && status !== "revoked" ? relativeTime(expiresAt, now) : null;
  return (
    <TableCell className="text-sm" data-testid="expires">
      {expiresAt ? (
        <>
          <KeyTime date={expiresAt} now={now} />
          {near && <span className="block whitespace-nowrap text-xs text-muted-foreground">{near}</span>}
        </>
      ) : (
        <span className="text-muted-foreground">Never</span>
      )}
    </TableCell>
  );
}

export function KeyLastUsedCell({ lastUsedAt, lastUsedIp, requestCount, now }: { lastUsedAt: Date | null; lastUsedIp: string | null; requestCount: number | bigint; now: number }) {
  const requests = Number(requestCount);
  return (
    <TableCell className="min-w-28 text-sm" data-testid="last-used">
      {lastUsedAt ? (
        <>
          <KeyTime date={lastUsedAt} now={now} relative />
          <span className="block text-xs text-muted-foreground">
            {lastUsedIp ? `from ${lastUsedIp} · ` : ""}
            {requests.toLocaleString("en")} {requests === 1 ? "request" : "requests"}
          </span>
        </>
      ) : (
        <span className="text-muted-foreground">Never</span>
      )}
    </TableCell>
  );
}
