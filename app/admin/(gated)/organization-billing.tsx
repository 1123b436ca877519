"use client";
// Instance admins put an organization on a plan (or move it, prorated) and
// grant it credits, from the list of organizations.
import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { grantCreditAction, subscribeOrganizationAction } from "./actions";

type Org = { id: string; name: string; plan: { key: string } | null };

export function ChangePlanDialog({ org, plans }: { org: Org; plans: Array<{ key: string; label: string }> }) {
  const choices = plans.filter((p) => p.key !== org.plan?.key);
  if (!choices.length) return null;
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`${org.plan ? "Change the plan of" : "Choose a plan for"} ${org.name}`}>
          {org.plan ? "Change plan" : "Choose plan"}
        </Button>
      }
      title={`${org.plan ? "Change the plan of" : "Choose a plan for"} ${org.name}`}
      description={
        org.plan
          ? "From now on. The plan it leaves is billed at once up to now (its base fee for the part of the period used, and its usage so far); the new plan's period starts now."
          : "From now on, with the plan's trial if it has one."
      }
      submitLabel="Save plan"
      successToast={`Plan saved for ${org.name}`}
      action={subscribeOrganizationAction}
      toInput={(f) => ({ orgId: org.id, body: { plan: String(f.get("plan") ?? "") } })}
    >
      <FormField id={`plan-for-${org.id}`} label="Plan" required>
        {(p) => (
          <NativeSelect {...p} name="plan" defaultValue={choices[0]!.key}>
            {choices.map((plan) => (
              <option key={plan.key} value={plan.key}>
                {plan.label}
              </option>
            ))}
          </NativeSelect>
        )}
      </FormField>
    </FormDialog>
  );
}

export function GrantCreditDialog({ org, currency }: { org: Org; currency: string }) {
  return (
    <FormDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Grant credit to ${org.name}`}>
          Grant credit
        </Button>
      }
      title={`Grant credit to ${org.name}`}
      description="Credits are used before anything is charged, those expiring soonest first, on invoices in their currency."
      submitLabel="Grant credit"
      successToast={`Credit granted to ${org.name}`}
      action={grantCreditAction}
      toInput={(f) => {
        const amount = String(f.get("amount") ?? "").trim();
        const expires = String(f.get("expiresAt") ?? "");
        return {
          orgId: org.id,
          body: {
            kind: String(f.get("kind")),
            amount: /^\d+$/.test(amount) ? Number(amount) : amount,
            currency: String(f.get("currency") ?? "").trim(),
            description: String(f.get("description") ?? "").trim(),
            ...(expires && { expiresAt: new Date(`${expires}Z`).toISOString() }),
          },
        };
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id={`credit-kind-${org.id}`} label="Kind" required>
          {(p) => (
            <NativeSelect {...p} name="kind" defaultValue="promotional">
              <option value="promotional">Promotional</option>
              <option value="prepaid">Prepaid</option>
            </NativeSelect>
          )}
        </FormField>
        <FormField id={`credit-amount-${org.id}`} label="Amount (minor units)" required description="e.g. 5000 for $50.00.">
          {(p) => <Input {...p} name="amount" inputMode="numeric" placeholder="e.g. 5000" />}
        </FormField>
        <FormField id={`credit-currency-${org.id}`} label="Currency" required>
          {(p) => <Input {...p} name="currency" maxLength={3} defaultValue={currency} />}
        </FormField>
        <FormField id={`credit-expires-${org.id}`} label="Expires (UTC)" description="Leave empty for no expiry.">
          {(p) => <Input {...p} name="expiresAt" type="datetime-local" />}
        </FormField>
        <FormField id={`credit-description-${org.id}`} label="Description" required className="sm:col-span-2" description="Shown on the invoice line.">
          {(p) => <CountedInput {...p} name="description" maxLength={120} placeholder="e.g. Welcome credit" />}
        </FormField>
      </div>
    </FormDialog>
  );
}
