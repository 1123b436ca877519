import type { ReactNode } from "react";
import { accountNav, SignedInShell } from "@/components/shell/signed-in-shell";
import { requirePageUser } from "@/lib/http/page-context";

// The shell of every instance-admin page; (gated)/layout.tsx decides who may see them.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageUser();
  return (
    <SignedInShell ctx={ctx} nav={accountNav(ctx.principal.isInstanceAdmin)}>
      {children}
    </SignedInShell>
  );
}
