"use client";
// A moment in the viewer's time zone, with how long ago (or until) it is, and
// the UTC time on hover.
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

export function relativeTime(date: Date, now = Date.now()): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  return seconds <= 0 ? "just now" : "in a moment";
}

export function LocalTime({ date, relative = true }: { date: Date | string; relative?: boolean }) {
  const d = new Date(date);
  const local = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }).format(d);
  const utc = `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return (
    <time dateTime={d.toISOString()} title={utc} suppressHydrationWarning>
      {local}
      {relative && <span className="text-muted-foreground"> ({relativeTime(d)})</span>}
    </time>
  );
}
