"use client";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useServerAction } from "@/lib/client/use-server-action";
import { updateApiKeyPolicyAction } from "./actions";
import type { KeyPolicy } from "./api-key-controls";

const optionalNumber = (value: FormDataEntryValue | null) => (String(value ?? "").trim() === "" ? null : String(value).trim());

/** The organization's rules for API keys; read-only for those who may not change them. */
export function KeyPolicyForm({ orgSlug, policy, disabled }: { orgSlug: string; policy: KeyPolicy; disabled: boolean }) {
  const save = useServerAction((input: unknown) => updateApiKeyPolicyAction(orgSlug, input), { successToast: "Key policy saved" });
  return (
    <form
      className="grid gap-4"
      aria-label="Key policy"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        save.mutate({
          requireExpiry: f.get("requireExpiry") === "on",
          maxLifetimeDays: optionalNumber(f.get("maxLifetimeDays")),
          rateLimitPerSecond: optionalNumber(f.get("rateLimitPerSecond")),
          rateLimitPerDay: optionalNumber(f.get("rateLimitPerDay")),
        });
      }}
    >
      {save.error && (
        <Alert variant="destructive">
          <AlertDescription>{save.error.message}</AlertDescription>
        </Alert>
      )}
      <label className="inline-flex items-center gap-2 text-sm">
        <input type="checkbox" name="requireExpiry" defaultChecked={policy.requireExpiry} disabled={disabled} className="size-4 accent-primary" />
        New keys must have an expiry date
      </label>
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField id="policy-max-lifetime" label="Maximum lifetime (days)" description="Empty: no maximum. A maximum also requires an expiry.">
          {(p) => <Input {...p} name="maxLifetimeDays" type="number" inputMode="numeric" min={1} max={3650} defaultValue={policy.maxLifetimeDays ?? ""} disabled={disabled} />}
        </FormField>
        <FormField id="policy-rate-second" label="Default requests per second" description="For keys without their own limit. Empty: no limit.">
          {(p) => <Input {...p} name="rateLimitPerSecond" type="number" inputMode="numeric" min={1} defaultValue={policy.rateLimitPerSecond ?? ""} disabled={disabled} />}
        </FormField>
        <FormField id="policy-rate-day" label="Default requests per day" description="For keys without their own limit. Empty: no limit.">
          {(p) => <Input {...p} name="rateLimitPerDay" type="number" inputMode="numeric" min={1} defaultValue={policy.rateLimitPerDay ?? ""} disabled={disabled} />}
        </FormField>
      </div>
      {!disabled && (
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" variant="outline" disabled={save.isPending}>
            {save.isPending && <Spinner />}
            Save policy
          </Button>
          {save.isSuccess && (
            <p role="status" className="text-sm text-muted-foreground">
              Saved. It applies to keys created from now on; default limits apply at once.
            </p>
          )}
        </div>
      )}
    </form>
  );
}
