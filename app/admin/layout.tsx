import type { ReactNode } from "react";
import { accountNav, SignedInShell } from "@/components/shell/signed-in-shell";
import { ForbiddenState } from "@/components/forbidden-state";
import { requirePageUser } from "@/lib/http/page-context";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageUser();
  return (
    <SignedInShell ctx={ctx} nav={accountNav(ctx.principal.isInstanceAdmin)}>
      {ctx.principal.isInstanceAdmin ? children : <ForbiddenState reason="Only instance admins can see this page." />}
    </SignedInShell>
  );
}
