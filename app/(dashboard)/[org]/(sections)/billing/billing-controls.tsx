"use client";
// The ways into Stripe: Checkout to move to another plan, and the customer
// portal. Each asks the server for a Stripe link and sends the browser there.
import { ExternalLink } from "lucide-react";
import { useState } from "react";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { openPortalAction, startCheckoutAction } from "./actions";

const goTo = ({ url }: { url: string }) => window.location.assign(url);

export function PortalButton({ orgSlug }: { orgSlug: string }) {
  const portal = useServerAction(() => openPortalAction(orgSlug, undefined), { onSuccess: goTo, refresh: false });
  return (
    <div className="grid gap-2">
      <Button variant="outline" onClick={() => portal.mutate(undefined)} disabled={portal.isPending}>
        <ExternalLink className="size-4" aria-hidden="true" />
        {portal.isPending ? "Opening Stripe…" : "Payment methods and receipts"}
      </Button>
      {portal.error && <FormAlert message={portal.error.message} />}
    </div>
  );
}

export function ChangePlanForm({ orgSlug, plans, current }: { orgSlug: string; plans: Array<{ key: string; label: string }>; current: string | null }) {
  const choices = plans.filter((p) => p.key !== current);
  const [plan, setPlan] = useState(choices[0]?.key ?? "");
  const checkout = useServerAction((input: { plan: string }) => startCheckoutAction(orgSlug, input), { onSuccess: goTo, refresh: false });
  if (!choices.length) return null;
  return (
    <form
      className="grid gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        checkout.mutate({ plan });
      }}
    >
      <label htmlFor="change-plan" className="text-sm font-medium">
        Change plan
      </label>
      <div className="flex flex-wrap gap-2">
        <NativeSelect id="change-plan" wrapperClassName="w-auto min-w-56" value={plan} onChange={(e) => setPlan(e.target.value)}>
          {choices.map((p) => (
            <option key={p.key} value={p.key}>
              {p.label}
            </option>
          ))}
        </NativeSelect>
        <Button type="submit" disabled={checkout.isPending}>
          {checkout.isPending ? "Opening Stripe…" : "Continue to Stripe"}
        </Button>
      </div>
      <p className="text-xs text-muted-foreground">
        Stripe takes a card. Once Stripe confirms it, the plan you leave is billed up to then (its base fee for the part of the period used) and the new plan's period starts.
      </p>
      {checkout.error && <FormAlert message={checkout.error.message} />}
    </form>
  );
}
