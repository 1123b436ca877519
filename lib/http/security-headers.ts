// The security headers of every response, and the Content-Security-Policy of
// pages: a fresh nonce per request, which Next.js reads back from the
// request's own content-security-policy header and puts on its script tags.
import { randomBytes } from "node:crypto";

export type SecurityHeaderOptions = {
  /** The address people use (NEXTAUTH_URL): HSTS only when it is https. */
  publicUrl: string;
  /** `npm run dev`: React's development build needs eval for its error overlays and stacks. */
  dev: boolean;
};

/** For answers that are not HTML (JSON, lean router): nothing may load, nothing may frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** 128 random bits, base64: the alphabet Next.js accepts in `'nonce-…'`. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

export function securityHeaders({ publicUrl, dev }: SecurityHeaderOptions) {
  const common: Array<[string, string]> = [
    ["x-content-type-options", "nosniff"],
    // Invitation and reset links carry their token in the path: it must never
    // reach another site. same-origin rather than no-referrer, because with
    // no-referrer browsers send `Origin: null` on the site's own plain form
    // posts (a form submitted before hydration), which the CSRF check in
    // lib/http/same-origin.ts refuses.
    ["referrer-policy", "same-origin"],
    // For browsers that predate CSP frame-ancestors.
    ["x-frame-options", "DENY"],
    ["content-security-policy", API_CONTENT_SECURITY_POLICY],
  ];
  // Not includeSubDomains: Tollgate often runs on a subdomain of a site whose other hosts are not its to pin.
  if (new URL(publicUrl).protocol === "https:") common.push(["strict-transport-security", "max-age=63072000"]);

  const pagePolicy = (nonce: string) =>
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
      // <style> elements need the nonce (app/providers.tsx hands it to Radix's
      // scroll lock); style attributes stay allowed: React renders them
      // server-side, and they cannot carry selectors to read the page with.
      // The dev server injects the app's CSS as <style> elements without one.
      ...(dev ? ["style-src 'self' 'unsafe-inline'"] : [`style-src 'self' 'nonce-${nonce}'`, "style-src-attr 'unsafe-inline'"]),
      "img-src 'self' data: blob:",
      "font-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; ");

  return { common, pagePolicy };
}
