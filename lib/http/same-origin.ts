// CSRF defence for cookie-authenticated writes: the browser's Origin must be
// this site. A missing, "null" or foreign Origin is refused. X-Forwarded-Host
// and -Proto count only behind a proxy Tollgate is told to trust: otherwise
// any client could name its own site as ours.
import { trustProxy } from "../env.ts";
import { Forbidden } from "../errors.ts";

type HeaderGetter = { get(name: string): string | null };

export function isSameOrigin(headers: HeaderGetter, publicUrl?: string, trustForwarded = false): boolean {
  const origin = headers.get("origin");
  if (!origin || origin === "null") return false;
  if (headers.get("sec-fetch-site") === "cross-site") return false;
  const allowed = new Set<string>();
  const host = (trustForwarded && headers.get("x-forwarded-host")) || headers.get("host");
  const proto = (trustForwarded && headers.get("x-forwarded-proto")) || "http";
  if (host) {
    allowed.add(`${proto}://${host}`);
    allowed.add(`https://${host}`);
  }
  if (publicUrl) allowed.add(new URL(publicUrl).origin);
  return allowed.has(origin);
}

export function assertSameOrigin(headers: HeaderGetter) {
  if (!isSameOrigin(headers, process.env.NEXTAUTH_URL, trustProxy())) {
    throw new Forbidden("cross_site_request", "This request came from another site and was refused.");
  }
}
