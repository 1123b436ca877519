import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "@/components/logo";
import { MobileNav } from "./mobile-nav";
import { NavLinks, type NavItem } from "./nav-links";
import { OrgSwitcher, type OrgOption } from "./org-switcher";
import { UserMenu } from "./user-menu";

export type ShellProps = {
  orgs: OrgOption[];
  currentOrgSlug?: string;
  nav: NavItem[];
  user: { name: string; email: string; isInstanceAdmin: boolean };
  children: ReactNode;
};

// The signed-in layout: a sidebar with the organization switcher and the
// section links; on small screens the same links open from a menu button.
export function AppShell({ orgs, currentOrgSlug, nav, user, children }: ShellProps) {
  const sidebar = (
    <>
      <OrgSwitcher orgs={orgs} currentSlug={currentOrgSlug} />
      <NavLinks items={nav} />
      <div className="mt-auto">
        <UserMenu user={user} />
      </div>
    </>
  );
  return (
    <div className="flex min-h-screen">
      {/* The first stop of the keyboard: past the sidebar's links, straight to the page. */}
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
      >
        Skip to content
      </a>
      <aside aria-label="Sidebar" className="sticky top-0 hidden h-screen w-64 shrink-0 flex-col gap-4 border-r border-border bg-muted/40 p-4 md:flex">
        <Link href="/" className="px-2 py-1 rounded-md focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
          <Logo />
        </Link>
        {sidebar}
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between border-b border-border px-4 py-3 md:hidden">
          <Link href="/">
            <Logo />
          </Link>
          <MobileNav>{sidebar}</MobileNav>
        </header>
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 outline-none sm:px-8">
          {children}
        </main>
      </div>
    </div>
  );
}
