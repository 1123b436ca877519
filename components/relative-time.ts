// "3 minutes ago", "in 2 days": for server and client components alike.
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** How far `date` is from `now` in words; null beyond a month either way, where a date says more. */
export function relativeTime(date: Date, now = Date.now()): string | null {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  if (abs < 3_600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3_600), "hour");
  if (abs < 30 * 86_400) return relativeFormat.format(Math.round(seconds / 86_400), "day");
  return null;
}
