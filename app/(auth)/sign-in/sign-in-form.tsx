"use client";
import { startAuthentication } from "@simplewebauthn/browser";
import { KeyRound } from "lucide-react";
import { signIn } from "next-auth/react";
import { useEffect, useRef, useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { MFA_REQUIRED_MESSAGE } from "@/lib/auth/mfa-messages";
import { passkeyOptionsAction, ssoRouteAction } from "../actions";
import { goToIdentityProvider } from "./sso-sign-in";

const COMPLETE_ADDRESS = /^[^@\s]+@([^@\s]+\.[a-z]{2,})$/i;

/**
 * Whether the address typed signs in with single sign-on, asked once typing
 * pauses, once per domain (the answer depends on the domain only); an answer
 * for an address since changed is dropped.
 */
function useSsoRoute(initialEmail?: string) {
  const [routed, setRouted] = useState(false);
  const latest = useRef(initialEmail ?? "");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const known = useRef(new Map<string, boolean>());
  const lookUp = (email: string) => {
    latest.current = email;
    clearTimeout(timer.current);
    const domain = COMPLETE_ADDRESS.exec(email.trim())?.[1]?.toLowerCase();
    if (!domain) return setRouted(false);
    const answered = known.current.get(domain);
    if (answered !== undefined) return setRouted(answered);
    timer.current = setTimeout(async () => {
      const answer = await ssoRouteAction({ email }).catch(() => null);
      const sso = answer?.ok === true && answer.data.sso;
      if (answer?.ok) known.current.set(domain, sso);
      if (latest.current === email) setRouted(sso);
    }, 400);
  };
  useEffect(() => {
    if (initialEmail) lookUp(initialEmail);
    return () => clearTimeout(timer.current);
    // Once, for the address the page came with.
  }, []);
  return { routed, lookUp };
}

export function SignInForm({ callbackUrl, initialError, initialEmail }: { callbackUrl: string; initialError?: string; initialEmail?: string }) {
  const [error, setError] = useState<string | undefined>(initialError);
  const [pending, setPending] = useState(false);
  // The password was right and the account has an authenticator: its code is the second step.
  const [needCode, setNeedCode] = useState(false);

  const formRef = useRef<HTMLFormElement>(null);
  // An address of a domain with single sign-on is offered its provider first;
  // a password stays possible (break-glass owners), one click away.
  const sso = useSsoRoute(initialEmail);
  const [passwordChosen, setPasswordChosen] = useState(false);
  const ssoFirst = sso.routed && !passwordChosen;

  /**
   * A passkey signs in: alone (no password), or as the second step after the
   * password (`withPassword`). The browser asks the authenticator; the server
   * checks its answer to a challenge it made.
   */
  async function signInWithPasskey(withPassword: boolean) {
    setPending(true);
    setError(undefined);
    const options = await passkeyOptionsAction(undefined).catch(() => null);
    if (!options?.ok) {
      setPending(false);
      setError(options?.error.message ?? "Could not reach the server. Check your connection and try again.");
      return;
    }
    let assertion: unknown;
    try {
      assertion = await startAuthentication({ optionsJSON: options.data });
    } catch {
      setPending(false);
      setError("No passkey was used: the request was cancelled or timed out, or this device has none for this site.");
      return;
    }
    const form = new FormData(formRef.current ?? undefined);
    const result = withPassword
      ? await signIn("credentials", { email: form.get("email"), password: form.get("password"), passkey: JSON.stringify(assertion), redirect: false })
      : await signIn("passkey", { assertion: JSON.stringify(assertion), redirect: false });
    if (!result || result.error) {
      setPending(false);
      setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "That passkey was not accepted.");
      return;
    }
    window.location.assign(callbackUrl);
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    if (ssoFirst) return goToIdentityProvider(String(form.get("email") ?? ""), callbackUrl);
    const result = await signIn("credentials", { email: form.get("email"), password: form.get("password"), code: form.get("code") ?? "", redirect: false });
    if (!result || result.error) {
      setPending(false);
      if (result?.error === MFA_REQUIRED_MESSAGE) {
        setNeedCode(true);
        setError(undefined);
        return;
      }
      setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "Email or password is incorrect.");
      return;
    }
    window.location.assign(callbackUrl);
  }

  return (
    <form ref={formRef} onSubmit={onSubmit} className="grid gap-4" noValidate>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      <FormField id="email" label="Email" required>
        {(p) => (
          <Input
            {...p}
            name="email"
            type="email"
            autoComplete="email"
            defaultValue={initialEmail}
            required
            onChange={(e) => {
              setPasswordChosen(false);
              sso.lookUp(e.currentTarget.value);
            }}
          />
        )}
      </FormField>
      {ssoFirst ? (
        <p className="text-sm text-muted-foreground" role="status">
          Your organization signs in with single sign-on.
        </p>
      ) : (
        <FormField id="password" label="Password" required>
          {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" required />}
        </FormField>
      )}
      {needCode && (
        <FormField id="code" label="Authentication code" description="From your authenticator app, or one of your recovery codes; or use a passkey." required>
          {(p) => <Input {...p} name="code" autoComplete="one-time-code" inputMode="text" maxLength={32} placeholder="123456" autoFocus required />}
        </FormField>
      )}
      <Button type="submit" disabled={pending}>
        {pending && <Spinner />}
        {ssoFirst ? "Continue with single sign-on" : "Sign in"}
      </Button>
      {ssoFirst ? (
        <Button type="button" variant="outline" disabled={pending} onClick={() => setPasswordChosen(true)}>
          Sign in with a password instead
        </Button>
      ) : needCode ? (
        <Button type="button" variant="outline" disabled={pending} onClick={() => void signInWithPasskey(true)}>
          <KeyRound className="size-4" aria-hidden="true" />
          Use a passkey instead
        </Button>
      ) : (
        <Button type="button" variant="outline" disabled={pending} onClick={() => void signInWithPasskey(false)}>
          <KeyRound className="size-4" aria-hidden="true" />
          Sign in with a passkey
        </Button>
      )}
    </form>
  );
}
