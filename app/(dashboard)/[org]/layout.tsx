import type { ReactNode } from "react";
import { LimitBanner } from "@/components/billing/limit-banner";
import { SignedInShell } from "@/components/shell/signed-in-shell";
import type { NavItem } from "@/components/shell/nav-links";
import { can } from "@/lib/authz/authorize";
import { limitWarnings } from "@/lib/billing/limit-alerts";
import { requirePageOrg } from "@/lib/http/page-context";
import { SECTIONS } from "./sections";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await requirePageOrg(org);
  const limits = await limitWarnings(ctx);
  const nav: NavItem[] = SECTIONS.filter((s) => !s.permission || can(ctx, s.permission)).map((s) => ({ href: `/${ctx.orgSlug}/${s.path}`, label: s.label }));
  return (
    <SignedInShell ctx={ctx} currentOrgSlug={ctx.orgSlug} nav={nav}>
      <LimitBanner uses={limits} billingHref={`/${ctx.orgSlug}/billing`} />
      {children}
    </SignedInShell>
  );
}
