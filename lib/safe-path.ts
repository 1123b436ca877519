// Where to send someone after sign-in: only a path on this site. Parsing with
// URL catches tricks such as "/\evil.com" or "/%09/evil.com"; the path it
// gives back is parsed once more, because normalising "/.//evil.com" (or
// "/a/..//x", "/%2e//x", "/./\x") yields "//evil.com", which a browser
// follows to another site.
const BASE = "http://tollgate.invalid";

export function safeCallbackPath(callbackUrl: string | undefined | null, fallback = "/"): string {
  if (!callbackUrl) return fallback;
  try {
    const url = new URL(callbackUrl, BASE);
    if (url.origin !== BASE) return fallback;
    const path = url.pathname + url.search + url.hash;
    if (!path.startsWith("/") || path.startsWith("//") || new URL(path, BASE).origin !== BASE) return fallback;
    return path;
  } catch {
    return fallback;
  }
}
