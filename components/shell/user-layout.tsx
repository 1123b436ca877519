import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/http/page-context";
import { accountNav, SignedInShell } from "./signed-in-shell";

// Layout of signed-in pages outside any organization. Access is decided
// here, outside the page's loading boundary, so that a signed-out request
// gets a real 307 rather than a streamed redirect.
export async function UserLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageUser();
  return (
    <SignedInShell ctx={ctx} nav={accountNav(ctx.principal.isInstanceAdmin)}>
      {children}
    </SignedInShell>
  );
}
