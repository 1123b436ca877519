// Where to send someone after sign-in: only a path on this site. Parsing with
// URL catches tricks such as "/\evil.com" or "/%09/evil.com".
export function safeCallbackPath(callbackUrl: string | undefined | null, fallback = "/"): string {
  if (!callbackUrl) return fallback;
  try {
    const base = "http://tollgate.invalid";
    const url = new URL(callbackUrl, base);
    if (url.origin !== base) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

const SIGN_IN_ERRORS: Record<string, string> = {
  CredentialsSignin: "Email or password is incorrect.",
  SessionRequired: "Sign in to continue.",
};

/** next-auth error codes in the URL map to fixed messages; free text is never shown. */
export function signInErrorMessage(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return SIGN_IN_ERRORS[code] ?? "Sign-in failed. Try again.";
}
