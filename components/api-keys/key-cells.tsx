// Cells of API key tables: moments (a date, or "2 hours ago" when near; the exact time in UTC on hover) and status.
import { Badge, type BadgeProps } from "@/components/ui/badge";

export const keyTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 minutes ago", "in 2 days"; null beyond a month either way, where a date says more. */
export function relativeTime(date: Date, now: number) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  if (abs < 3_600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3_600), "hour");
  if (abs < 30 * 86_400) return relativeFormat.format(Math.round(seconds / 86_400), "day");
  return null;
}

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
