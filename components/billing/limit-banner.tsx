import Link from "next/link";
import { Gauge } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { describeLimitUse, type LimitUse } from "@/lib/billing/limit-alerts";

/** Shown on every page of the organization to those who read billing, while a plan limit is at 80% or more. */
export function LimitBanner({ uses, billingHref }: { uses: LimitUse[]; billingHref: string }) {
  if (!uses.length) return null;
  const refusing = uses.some((u) => u.level === "reached" && !u.soft);
  return (
    <Alert variant={refusing ? "destructive" : "default"} className="mb-6" data-testid="limit-banner">
      <Gauge aria-hidden />
      <AlertTitle>{refusing ? "A plan limit is reached" : "Close to a plan limit"}</AlertTitle>
      <AlertDescription>
        <ul className="grid gap-0.5">
          {uses.map((use) => (
            <li key={use.limit}>{describeLimitUse(use)}</li>
          ))}
        </ul>
        <Link href={billingHref} className="font-medium underline underline-offset-4">
          Plan and billing
        </Link>
      </AlertDescription>
    </Alert>
  );
}

/** Each limit's use as a bar, for the Billing page. */
export function LimitUseTable({ uses }: { uses: LimitUse[] }) {
  const NAMES: Record<LimitUse["limit"], string> = { members: "Members and pending invitations", apiKeys: "Active API keys", eventsPerMonth: "Usage events this month" };
  return (
    <ul className="grid gap-4" aria-label="Plan limits">
      {uses.map((use) => (
        <li key={use.limit} className="grid gap-1.5" data-testid={`limit-${use.limit}`}>
          <div className="flex items-baseline justify-between gap-4 text-sm">
            <span className="font-medium">
              {NAMES[use.limit]}
              {use.soft && <span className="ml-2 text-xs font-normal text-muted-foreground">soft limit: warns only</span>}
            </span>
            <span className="tabular-nums text-muted-foreground">
              {use.used.toLocaleString("en-US")} of {use.max.toLocaleString("en-US")} ({use.percent}%)
            </span>
          </div>
          <div
            className="h-2 overflow-hidden rounded-full bg-muted"
            role="progressbar"
            aria-label={NAMES[use.limit]}
            aria-valuemin={0}
            aria-valuemax={use.max}
            aria-valuenow={Math.min(use.used, use.max)}
          >
            <div
              className={use.level === "reached" ? "h-full bg-destructive" : use.level === "warning" ? "h-full bg-amber-500" : "h-full bg-primary"}
              style={{ width: `${Math.min(100, use.percent)}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
