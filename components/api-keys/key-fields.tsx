"use client";
// Fields shared by the organization's and the instance admin's key dialogs:
// allowed networks and rate limits, read back with keyLimitsOf; and what a
// rotation shows once it is done.
import { ShownOnce } from "@/components/shown-once";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { expiresAtOf } from "./expiry-field";
import { keyTimeFormat } from "./key-cells";

const lines = (value: FormDataEntryValue | null) =>
  String(value ?? "")
    .split(/[\s,]+/)
    .filter(Boolean);
const optionalNumber = (value: FormDataEntryValue | null) => (String(value ?? "").trim() === "" ? null : String(value).trim());

/** Expiry, allowed networks and rate limits as the create actions take them. */
export function keyLimitsOf(form: FormData) {
  return {
    expiresAt: expiresAtOf(form),
    ipAllowList: lines(form.get("ipAllowList")),
    rateLimitPerSecond: optionalNumber(form.get("rateLimitPerSecond")),
    rateLimitPerDay: optionalNumber(form.get("rateLimitPerDay")),
  };
}

/** `defaults`: what an empty limit means ("no limit", "the organization's default (100)"). */
export function NetworkAndRateFields({ perSecondDefault, perDayDefault }: { perSecondDefault: string; perDayDefault: string }) {
  return (
    <>
      <FormField id="key-ips" label="Allowed IP addresses" description="One address or CIDR range per line, IPv4 or IPv6. Empty: any address.">
        {(p) => <Textarea {...p} name="ipAllowList" rows={3} className="font-mono text-xs" placeholder={"e.g. 203.0.113.0/24\n2001:db8::/32"} spellCheck={false} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="key-rate-second" label="Requests per second" description={`Empty: ${perSecondDefault}.`}>
          {(p) => <Input {...p} name="rateLimitPerSecond" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
        <FormField id="key-rate-day" label="Requests per day" description={`Empty: ${perDayDefault}.`}>
          {(p) => <Input {...p} name="rateLimitPerDay" type="number" inputMode="numeric" min={1} step={1} />}
        </FormField>
      </div>
    </>
  );
}

/** After a rotation: until when the old secret works, and the new one, shown once. */
export function RotatedSecret({ secret, previousSecretValidUntil, close }: { secret: string; previousSecretValidUntil: Date | string | null; close: () => void }) {
  return (
    <div className="grid gap-2">
      <p className="text-sm text-muted-foreground">
        {previousSecretValidUntil ? `The old secret works until ${keyTimeFormat.format(new Date(previousSecretValidUntil))} UTC.` : "The old secret no longer works."}
      </p>
      <ShownOnce secret={secret} close={close} />
    </div>
  );
}
