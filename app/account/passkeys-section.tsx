"use client";
import { startRegistration } from "@simplewebauthn/browser";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { FormDialog } from "@/components/form-dialog";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { Spinner } from "@/components/ui/spinner";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useServerAction } from "@/lib/client/use-server-action";
import { finishPasskeyAction, removePasskeyAction, startPasskeyAction } from "./actions";
import { RecoveryCodes } from "./mfa-section";

export type PasskeyRow = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

const when = (iso: string | null) => (iso ? new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "Never");

/** A passkey's own failure (cancelled, not allowed) in words people act on. */
function browserProblem(error: unknown): string {
  const name = (error as { name?: string })?.name;
  if (name === "NotAllowedError") return "The passkey was not made: the request was cancelled or timed out. Try again.";
  if (name === "InvalidStateError") return "This device has a passkey for your account already.";
  return "Your browser could not make a passkey. Try another browser or device.";
}

export function PasskeysSection({ passkeys, hasPassword }: { passkeys: PasskeyRow[]; hasPassword: boolean }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [making, setMaking] = useState(false);
  const start = useServerAction((input: unknown) => startPasskeyAction(input), { refresh: false });
  const finish = useServerAction((input: unknown) => finishPasskeyAction(input), { onSuccess: (d) => d.recoveryCodes && setCodes(d.recoveryCodes) });
  const pending = making || start.isPending || finish.isPending;
  const error = problem ?? start.error?.message.replace(/^password: /, "") ?? finish.error?.message ?? null;

  if (codes) return <RecoveryCodes codes={codes} done={() => setCodes(null)} />;

  async function add(form: FormData) {
    setProblem(null);
    const options = await start.mutateAsync(hasPassword ? { password: form.get("password") } : {}).catch(() => null);
    if (!options) return;
    setMaking(true);
    try {
      const response = await startRegistration({ optionsJSON: options });
      await finish.mutateAsync({ name: form.get("name"), response }).catch(() => null);
    } catch (e) {
      setProblem(browserProblem(e));
    } finally {
      setMaking(false);
    }
  }

  return (
    <div className="grid gap-4">
      {passkeys.length === 0 ? (
        <EmptyState
          icon={<KeyRound />}
          titleAs="h3"
          title="No passkeys yet"
          description="A passkey signs you in with your fingerprint, face or device PIN, without a password, and counts as two-step sign-in."
        />
      ) : (
        <Table aria-label="Passkeys">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Added</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {passkeys.map((p) => (
              <TableRow key={p.id}>
                <TableCell className="font-medium">{p.name}</TableCell>
                <TableCell className="text-muted-foreground">{when(p.createdAt)}</TableCell>
                <TableCell className="text-muted-foreground">{when(p.lastUsedAt)}</TableCell>
                <TableCell className="text-right">
                  <FormDialog
                    trigger={
                      <Button variant="destructive" size="sm" aria-label={`Remove passkey ${p.name}`}>
                        Remove
                      </Button>
                    }
                    title={`Remove ${p.name}?`}
                    description="It no longer signs you in. If it is your last passkey and you have no authenticator app, your recovery codes go too."
                    submitLabel="Remove passkey"
                    destructive
                    successToast={`${p.name} removed`}
                    action={(input) => removePasskeyAction(input)}
                    toInput={(f) => ({ passkeyId: p.id, password: hasPassword ? f.get("password") : undefined })}
                  >
                    {hasPassword ? (
                      <FormField id={`remove-passkey-password-${p.id}`} label="Password (to confirm it is you)" required>
                        {(field) => <Input {...field} name="password" type="password" autoComplete="current-password" />}
                      </FormField>
                    ) : (
                      <p className="text-sm text-muted-foreground">Confirm to remove it.</p>
                    )}
                  </FormDialog>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <form
        className="grid gap-3 sm:max-w-sm"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void add(new FormData(e.currentTarget));
        }}
      >
        {error && (
          <Alert variant="destructive">
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <FormField id="passkey-name" label="Passkey name" description="To tell your devices apart, e.g. “Work laptop”." required>
          {(p) => <CountedInput {...p} name="name" maxLength={100} defaultValue="Passkey" />}
        </FormField>
        {hasPassword && (
          <FormField id="passkey-password" label="Your password (to add a passkey)" required>
            {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" />}
          </FormField>
        )}
        <div>
          <Button type="submit" disabled={pending}>
            {pending && <Spinner />}
            Add a passkey
          </Button>
        </div>
      </form>
    </div>
  );
}
