import type { ReactNode } from "react";
import { SignedInShell } from "@/components/shell/signed-in-shell";
import type { NavItem } from "@/components/shell/nav-links";
import { can } from "@/lib/authz/authorize";
import type { Permission } from "@/lib/authz/permissions";
import { requirePageOrg } from "@/lib/http/page-context";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await requirePageOrg(org);
  const sections: Array<[string, string, Permission | null]> = [
    ["members", "Members", null],
    ["projects", "Projects", "projects:read"],
    ["groups", "Groups", "groups:read"],
    ["roles", "Roles", "roles:read"],
    ["access", "Access", "grants:read"],
    ["api-keys", "API keys", "apikeys:read"],
    ["decisions", "Access decisions", "decisions:read"],
    ["audit", "Audit log", "audit:read"],
    ["settings", "Settings", null],
  ];
  const nav: NavItem[] = sections.filter(([, , permission]) => !permission || can(ctx, permission)).map(([path, label]) => ({ href: `/${ctx.orgSlug}/${path}`, label }));
  return (
    <SignedInShell ctx={ctx} currentOrgSlug={ctx.orgSlug} nav={nav}>
      {children}
    </SignedInShell>
  );
}
