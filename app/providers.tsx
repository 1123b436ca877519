"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { setNonce } from "get-nonce";
import { useState, type ReactNode } from "react";
import { Toaster } from "@/components/ui/toaster";

// Radix's scroll lock (react-style-singleton) adds <style> elements, which the
// CSP only runs with this page's nonce. Browsers hide the nonce attribute but
// keep it readable on the `nonce` property of Next.js's own script tags.
if (typeof document !== "undefined") setNonce(document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce ?? "");

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { mutations: { retry: false } } }));
  return (
    <QueryClientProvider client={client}>
      {children}
      <Toaster />
    </QueryClientProvider>
  );
}
