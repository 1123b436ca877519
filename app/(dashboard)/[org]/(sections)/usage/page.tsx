import type { Metadata } from "next";
import { Gauge } from "lucide-react";
import { ForbiddenState } from "@/components/forbidden-state";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { MeterMonthCard, UsageExport } from "@/components/usage/meter-month";
import { authorize } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";
import { usageThisMonth } from "@/lib/usage/usage-report";

export const metadata: Metadata = { title: "Usage" };

export default async function UsagePage({ params }: { params: Promise<{ org: string }> }) {
  const ctx = await requirePageOrg((await params).org);
  const read = authorize(ctx, "usage:read");
  if (!read.allowed) return <ForbiddenState reason={read.reason} />;
  const month = await usageThisMonth(ctx);
  const monthName = new Date(month.from).toLocaleDateString("en", { month: "long", year: "numeric", timeZone: "UTC" });
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Usage"
        description={`What this organization used in ${monthName} (UTC), per meter. Figures are exact and include events sent seconds ago.`}
        actions={month.meters.length > 0 && <UsageExport months={month.meters} fileName={`usage-${ctx.orgSlug}-${month.from.slice(0, 7)}`} />}
      />
      {month.meters.length === 0 ? (
        <EmptyState
          icon={<Gauge />}
          title="Nothing is metered yet"
          description="An instance admin defines meters (what usage counts, and how); their figures appear here as your product reports usage."
        />
      ) : (
        month.meters.map((m) => <MeterMonthCard key={m.meter.key} month={m} />)
      )}
    </div>
  );
}
