// Where to send someone after sign-in: lib/safe-path.ts (domain code uses it too).
export { safeCallbackPath } from "../safe-path.ts";

const SIGN_IN_ERRORS: Record<string, string> = {
  CredentialsSignin: "Email or password is incorrect.",
  SessionRequired: "Sign in to continue.",
};

/** next-auth error codes in the URL map to fixed messages; free text is never shown. */
export function signInErrorMessage(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return SIGN_IN_ERRORS[code] ?? "Sign-in failed. Try again.";
}

/** Why a single sign-on was refused (lib/sso/sign-in.ts reasons), in fixed sentences. */
const SSO_ERRORS: Record<string, string> = {
  sso_not_configured: "Single sign-on is not set up for that address. Sign in with your password, or ask your admin.",
  sso_not_in_plan: "Single sign-on is not available on your organization's current plan. Ask your admin.",
  invalid_request: "Enter your work email address to sign in with single sign-on.",
  connection_disabled: "Your organization's single sign-on is turned off. Ask your admin.",
  not_a_member: "You are not a member of this organization yet. Ask one of its admins to invite you.",
  email_missing: "Your identity provider did not send an email address. Ask your admin to check the connection.",
  email_unverified: "Your identity provider says your email address is not verified.",
  account_protected: "Your account signs in with its password and second factor, not through your organization's provider.",
  deprovisioned: "Your access to this organization was removed by its identity provider.",
  email_domain_not_verified: "Your email address is not in a domain this organization has verified, so it cannot sign you in.",
  state_expired: "The sign-in took too long. Start again.",
  state_replayed: "This sign-in link was used already. Start again.",
  state_mismatch: "This sign-in was started in another browser. Start again here.",
  internal: "Signing in failed on our side. Try again in a moment.",
  too_many_requests: "Too many sign-ins were started from your network. Try again later.",
  unsolicited: "Start single sign-on here: sign-ins started at your identity provider are turned off for your organization.",
  replayed: "This sign-in answer was used already. Start again.",
  response_too_large: "Your identity provider's answer was too large. Ask your admin to check the connection.",
  idp_refused: "Your identity provider did not sign you in.",
};

export function ssoErrorMessage(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return SSO_ERRORS[code] ?? "Single sign-on failed. Start again, or ask your admin to test the connection.";
}
