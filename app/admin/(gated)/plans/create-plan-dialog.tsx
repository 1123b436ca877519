"use client";
// Defining a plan in the browser: the base fee, a price per unit for any
// meter, the trial and the limits. Tiered, volume and package prices, and
// fallback limits, are defined through POST /api/v1/plans.
import { Plus } from "lucide-react";
import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { createPlanAction } from "./actions";

const text = (f: FormData, name: string) => String(f.get(name) ?? "").trim();
/** An empty field is "not set"; anything else goes to the server as typed, to be judged there. */
const wholeOrNull = (value: string) => (value === "" ? null : /^\d+$/.test(value) ? Number(value) : value);

const LIMITS = [
  { name: "members", label: "Members", hint: "Members and pending invitations" },
  { name: "apiKeys", label: "API keys", hint: "Active keys" },
  { name: "eventsPerMonth", label: "Events a month", hint: "Usage events, by UTC month" },
] as const;

export function CreatePlanDialog({ meters }: { meters: Array<{ key: string; name: string }> }) {
  return (
    <FormDialog
      wide
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New plan
        </Button>
      }
      title="Define a plan"
      description="Amounts are in the currency's minor unit (cents for USD). A plan's prices never change once made: a new price is a new plan."
      submitLabel="Create plan"
      successToast="Plan created"
      action={createPlanAction}
      toInput={(f) => {
        const entitlements: Record<string, unknown> = { sso: f.get("sso") === "on" };
        for (const limit of LIMITS) {
          const value = wholeOrNull(text(f, limit.name));
          if (value !== null) entitlements[limit.name] = value;
        }
        const soft = LIMITS.filter((l) => f.get(`soft-${l.name}`) === "on").map((l) => l.name);
        if (soft.length) entitlements.soft = soft;
        return {
          key: text(f, "key"),
          name: text(f, "name"),
          currency: text(f, "currency"),
          interval: text(f, "interval"),
          baseFee: wholeOrNull(text(f, "baseFee")) ?? 0,
          trialDays: wholeOrNull(text(f, "trialDays")) ?? 0,
          selfServe: f.get("selfServe") === "on",
          prices: meters
            .filter((m) => text(f, `price-${m.key}`) !== "")
            .map((m) => ({ meter: m.key, price: { model: "per_unit", unitPrice: text(f, `price-${m.key}`) }, includedQuantity: text(f, `included-${m.key}`) || "0" })),
          entitlements,
        };
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="plan-key" name="key" label="Key" required description="Lowercase letters, digits, _ and -.">
          {(p) => <Input {...p} name="key" maxLength={64} placeholder="e.g. pro-monthly" />}
        </FormField>
        <FormField id="plan-name" name="name" label="Name" required>
          {(p) => <CountedInput {...p} name="name" maxLength={80} placeholder="e.g. Pro" />}
        </FormField>
        <FormField id="plan-currency" name="currency" label="Currency" required description="ISO 4217 code.">
          {(p) => <Input {...p} name="currency" maxLength={3} defaultValue="usd" />}
        </FormField>
        <FormField id="plan-interval" name="interval" label="Billed every" required>
          {(p) => (
            <NativeSelect {...p} name="interval" defaultValue="month">
              <option value="month">Month</option>
              <option value="year">Year</option>
            </NativeSelect>
          )}
        </FormField>
        <FormField id="plan-base-fee" name="baseFee" label="Base fee (minor units)" required description="e.g. 2000 for $20.00.">
          {(p) => <Input {...p} name="baseFee" inputMode="numeric" placeholder="e.g. 2000" />}
        </FormField>
        <FormField id="plan-trial" name="trialDays" label="Trial days" description="0 for none.">
          {(p) => <Input {...p} name="trialDays" inputMode="numeric" placeholder="e.g. 14" />}
        </FormField>
      </div>
      {meters.length > 0 && (
        <fieldset className="grid gap-3">
          <legend className="mb-1 text-sm font-medium">Usage prices</legend>
          <p className="text-sm text-muted-foreground">Minor units per unit (decimals allowed, e.g. 0.05); leave a meter empty to not price it.</p>
          {meters.map((m) => (
            <div key={m.key} className="grid gap-2 sm:grid-cols-[1fr_10rem_10rem] sm:items-end">
              <span className="text-sm">
                {m.name} <span className="font-mono text-xs text-muted-foreground">{m.key}</span>
              </span>
              <FormField id={`plan-price-${m.key}`} label="Per unit">
                {(p) => <Input {...p} name={`price-${m.key}`} inputMode="decimal" placeholder="e.g. 0.5" />}
              </FormField>
              <FormField id={`plan-included-${m.key}`} label="Included">
                {(p) => <Input {...p} name={`included-${m.key}`} inputMode="decimal" placeholder="e.g. 1000" />}
              </FormField>
            </div>
          ))}
        </fieldset>
      )}
      <fieldset className="grid gap-3">
        <legend className="mb-1 text-sm font-medium">Limits</legend>
        <p className="text-sm text-muted-foreground">Leave empty for no limit. A soft limit warns at 80% and 100% and refuses nothing.</p>
        {LIMITS.map((limit) => (
          <div key={limit.name} className="grid gap-2 sm:grid-cols-[1fr_10rem] sm:items-end">
            <FormField id={`plan-${limit.name}`} label={limit.label} description={limit.hint}>
              {(p) => <Input {...p} name={limit.name} inputMode="numeric" placeholder="No limit" />}
            </FormField>
            <label className="inline-flex items-center gap-2 pb-2 text-sm">
              <input type="checkbox" name={`soft-${limit.name}`} className="size-4 accent-primary" />
              Soft
            </label>
          </div>
        ))}
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="checkbox" name="sso" className="size-4 accent-primary" />
          Single sign-on included
        </label>
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="checkbox" name="selfServe" className="size-4 accent-primary" />
          Offered to organizations through Stripe Checkout (self-serve)
        </label>
      </fieldset>
    </FormDialog>
  );
}
