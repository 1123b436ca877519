"use client";
// A moment in the viewer's time zone, with how long ago (or until) it is when
// near, and the UTC time on hover.
import { relativeTime } from "./relative-time";

export function LocalTime({ date, relative = true }: { date: Date | string; relative?: boolean }) {
  const d = new Date(date);
  const local = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }).format(d);
  const utc = `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return (
    <time dateTime={d.toISOString()} title={utc} suppressHydrationWarning>
      {local}
      {relative && relativeTime(d) && <span className="text-muted-foreground"> ({relativeTime(d)})</span>}
    </time>
  );
}
