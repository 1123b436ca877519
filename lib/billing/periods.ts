// Billing periods: from an anchor, one month or year at a time, in UTC. A
// period that starts on a day a month lacks ends on that month's last day
// (anchored on Jan 31: Feb 28 or 29, then Mar 31), as Stripe does.

function addMonths(anchor: Date, months: number): Date {
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(anchor.getUTCDate(), lastDay), anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds()));
}

export type Period = { start: Date; end: Date; index: number };

/** The period holding `at` (the first one for any instant before the anchor). */
export function periodAt(anchor: Date, interval: "month" | "year", at: Date): Period {
  const step = interval === "year" ? 12 : 1;
  const months = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  let index = Math.max(0, Math.floor(months / step) - 1);
  while (addMonths(anchor, (index + 1) * step) <= at) index++;
  while (index > 0 && addMonths(anchor, index * step) > at) index--;
  return { start: addMonths(anchor, index * step), end: addMonths(anchor, (index + 1) * step), index };
}

/** A period cut short (by a plan change, or a change of billing mode) ends at `end`; its base fee and included quantities are the part of [start, fullEnd) it covers. */
export type ClosingPeriod = Period & { fullEnd?: Date };

/** The periods of a subscription not yet invoiced up to `at`: whole ones, then the one `at` cuts short. */
export function periodsBefore(sub: { anchorAt: Date; canceledAt: Date | null }, interval: "month" | "year", lastInvoicedEnd: Date | null, at: Date): ClosingPeriod[] {
  const out: ClosingPeriod[] = [];
  let cursor = lastInvoicedEnd && lastInvoicedEnd > sub.anchorAt ? lastInvoicedEnd : sub.anchorAt;
  while (cursor < at && !(sub.canceledAt && cursor >= sub.canceledAt)) {
    const period = periodAt(sub.anchorAt, interval, cursor);
    if (period.start < cursor) {
      cursor = period.end;
      continue;
    }
    out.push(period.end <= at ? period : { ...period, end: at, fullEnd: period.end });
    cursor = period.end;
  }
  return out;
}
