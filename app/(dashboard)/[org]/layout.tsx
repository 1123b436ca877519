import type { ReactNode } from "react";
import { SignedInShell } from "@/components/shell/signed-in-shell";
import type { NavItem } from "@/components/shell/nav-links";
import { authorize } from "@/lib/authz/authorize";
import { requirePageOrg } from "@/lib/http/page-context";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await requirePageOrg(org);
  const nav: NavItem[] = [
    { href: `/${ctx.orgSlug}/members`, label: "Members" },
    ...(authorize(ctx, "audit:read").allowed ? [{ href: `/${ctx.orgSlug}/audit`, label: "Audit log" }] : []),
    { href: `/${ctx.orgSlug}/settings`, label: "Settings" },
  ];
  return (
    <SignedInShell ctx={ctx} currentOrgSlug={ctx.orgSlug} nav={nav}>
      {children}
    </SignedInShell>
  );
}
