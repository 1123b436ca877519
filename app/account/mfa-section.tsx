"use client";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { confirmTotpAction, disableTotpAction, regenerateRecoveryCodesAction, startTotpAction } from "./actions";

/** Recovery codes, shown once after they are made. */
export function RecoveryCodes({ codes, done }: { codes: string[]; done: () => void }) {
  return (
    <div className="grid gap-3">
      <Alert variant="success">
        <AlertDescription>Keep these recovery codes somewhere safe. Each signs you in once if you lose your phone. They are shown only now.</AlertDescription>
      </Alert>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-1 rounded-md border p-3 font-mono text-sm sm:grid-cols-5">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex gap-2">
        <Button type="button" variant="outline" onClick={() => navigator.clipboard?.writeText(codes.join("\n"))}>
          Copy codes
        </Button>
        <Button type="button" onClick={done}>
          I have saved them
        </Button>
      </div>
    </div>
  );
}

type CodeRun = { mutate: (input: { code: FormDataEntryValue | null }) => void; isPending: boolean; error: { message: string } | null };

function CodeForm({ label, submitLabel, destructive, run }: { label: string; submitLabel: string; destructive?: boolean; run: CodeRun }) {
  return (
    <form
      className="grid gap-3 sm:max-w-sm"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        run.mutate({ code: new FormData(e.currentTarget).get("code") });
      }}
    >
      {run.error && (
        <Alert variant="destructive">
          <AlertDescription>{run.error.message.replace(/^code: /, "")}</AlertDescription>
        </Alert>
      )}
      <FormField id={`code-${submitLabel}`} label={label} required>
        {(p) => <Input {...p} name="code" autoComplete="one-time-code" inputMode="text" maxLength={32} placeholder="123456" />}
      </FormField>
      <div>
        <Button type="submit" variant={destructive ? "destructive" : "default"} disabled={run.isPending}>
          {run.isPending && <Spinner />}
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}

export function MfaSection({ enabled, recoveryCodesLeft, hasPassword }: { enabled: boolean; recoveryCodesLeft: number; hasPassword: boolean }) {
  const [codes, setCodes] = useState<string[] | null>(null);
  const [changing, setChanging] = useState<"disable" | "regenerate" | null>(null);
  const start = useServerAction((input: unknown) => startTotpAction(input), { refresh: false });
  const confirm = useServerAction((input: unknown) => confirmTotpAction(input), { onSuccess: (d) => setCodes(d.recoveryCodes) });
  const disable = useServerAction((input: unknown) => disableTotpAction(input), { onSuccess: () => setChanging(null) });
  const regenerate = useServerAction((input: unknown) => regenerateRecoveryCodesAction(input), { onSuccess: (d) => (setCodes(d.recoveryCodes), setChanging(null)) });

  if (codes) return <RecoveryCodes codes={codes} done={() => (setCodes(null), start.reset(), confirm.reset())} />;

  if (enabled) {
    return (
      <div className="grid gap-4">
        <p className="flex flex-wrap items-center gap-2 text-sm">
          <Badge variant="success">On</Badge> Signing in asks for a code from your authenticator app. {recoveryCodesLeft} recovery code{recoveryCodesLeft === 1 ? "" : "s"} left.
        </p>
        {changing === null && (
          <div className="flex flex-wrap gap-2">
            <Button variant="outline" onClick={() => setChanging("regenerate")}>
              New recovery codes
            </Button>
            <Button variant="destructive" onClick={() => setChanging("disable")}>
              Turn off
            </Button>
          </div>
        )}
        {changing === "regenerate" && <CodeForm label="Code from your app (or a recovery code)" submitLabel="Make new recovery codes" run={regenerate} />}
        {changing === "disable" && <CodeForm label="Code from your app (or a recovery code)" submitLabel="Turn off two-step sign-in" destructive run={disable} />}
      </div>
    );
  }

  if (!start.data) {
    return (
      <form
        className="grid gap-3 sm:max-w-sm"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate(hasPassword ? { password: new FormData(e.currentTarget).get("password") } : {});
        }}
      >
        <p className="text-sm text-muted-foreground">Off. Add an authenticator app (1Password, Google Authenticator, Authy…) so that a password alone cannot sign in as you.</p>
        {start.error && (
          <Alert variant="destructive">
            <AlertDescription>{start.error.message.replace(/^password: /, "")}</AlertDescription>
          </Alert>
        )}
        {hasPassword && (
          <FormField id="mfa-password" label="Password (to confirm it is you)" required>
            {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" />}
          </FormField>
        )}
        <div>
          <Button type="submit" disabled={start.isPending}>
            {start.isPending && <Spinner />}
            Set up an authenticator app
          </Button>
        </div>
      </form>
    );
  }

  const { factorId, secret, qrSvg } = start.data;
  return (
    <div className="grid gap-4 sm:grid-cols-[12rem_1fr]">
      {/* The QR code is made on the server from the secret (qrcode); an <img> of SVG data keeps it inert. */}
      <img alt="QR code for your authenticator app" className="size-48 rounded-md border bg-white p-2" src={`data:image/svg+xml;utf8,${encodeURIComponent(qrSvg)}`} />
      <div className="grid content-start gap-3">
        <p className="text-sm">
          Scan the code with your authenticator app, or enter this key:{" "}
          <code className="break-all font-mono text-xs" data-testid="totp-secret">
            {secret}
          </code>
        </p>
        <form
          className="grid gap-3 sm:max-w-sm"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            confirm.mutate({ factorId, code: new FormData(e.currentTarget).get("code") });
          }}
        >
          {confirm.error && (
            <Alert variant="destructive">
              <AlertDescription>{confirm.error.message.replace(/^code: /, "")}</AlertDescription>
            </Alert>
          )}
          <FormField id="totp-code" label="Code from the app" required>
            {(p) => <Input {...p} name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} placeholder="123456" />}
          </FormField>
          <div>
            <Button type="submit" disabled={confirm.isPending}>
              {confirm.isPending && <Spinner />}
              Turn on
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}
