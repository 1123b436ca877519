import type { ReactNode } from "react";
import { getShellUser } from "@/lib/auth/account";
import type { UserCtx } from "@/lib/context";
import { listMyOrganizations } from "@/lib/orgs/org-context";
import { AppShell } from "./app-shell";
import type { NavItem } from "./nav-links";

// Loads what the shell shows for the signed-in user (their organizations, name).
export async function SignedInShell({ ctx, currentOrgSlug, nav, children }: { ctx: UserCtx; currentOrgSlug?: string; nav: NavItem[]; children: ReactNode }) {
  const [orgs, user] = await Promise.all([listMyOrganizations(ctx.principal.userId), getShellUser(ctx)]);
  return (
    <AppShell orgs={orgs} currentOrgSlug={currentOrgSlug} nav={nav} user={user}>
      {children}
    </AppShell>
  );
}

export function accountNav(isInstanceAdmin: boolean): NavItem[] {
  const items: NavItem[] = [
    { href: "/account", label: "Account and sessions" },
    { href: "/docs/api", label: "API reference" },
  ];
  if (isInstanceAdmin)
    items.push(
      { href: "/admin", label: "All organizations" },
      { href: "/admin/users", label: "All users" },
      { href: "/admin/permissions", label: "Product permissions" },
      { href: "/admin/meters", label: "Meters" },
      { href: "/admin/plans", label: "Plans" },
      { href: "/admin/jobs", label: "Jobs" },
      { href: "/admin/api-keys", label: "Provisioning keys" },
      { href: "/admin/outbox", label: "Outbox" },
    );
  return items;
}
