import type { ReactNode } from "react";
import { accountNav, SignedInShell } from "@/components/shell/signed-in-shell";
import { requirePageUser } from "@/lib/http/page-context";

// Access is decided here, outside the page's loading boundary, so that a
// signed-out request gets a real 307 rather than a streamed redirect.
export default async function OrgsLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageUser();
  return (
    <SignedInShell ctx={ctx} nav={accountNav(ctx.principal.isInstanceAdmin)}>
      {children}
    </SignedInShell>
  );
}
