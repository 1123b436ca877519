"use client";
// How the instance bills: Tollgate's own invoices (sent to Stripe), or usage
// reported to Stripe Billing Meters for those who price in Stripe.
import { useState } from "react";
import { FormAlert } from "@/components/form-alert";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { updateBillingSettingsAction } from "./actions";

const MODES = [
  { value: "invoices", label: "Tollgate's invoices, sent to Stripe", help: "Tollgate prices usage by these plans at each period's end and creates the invoice in Stripe." },
  {
    value: "stripe_meters",
    label: "Usage to Stripe Billing Meters",
    help: "Tollgate makes no invoices: it reports each organization's count and sum meters to Stripe meters named by the meter key (payload: stripe_customer_id, value) every five minutes, late usage included, and Stripe prices them.",
  },
] as const;

export function BillingModeForm({ mode }: { mode: string }) {
  const [chosen, setChosen] = useState(mode);
  const [saved, setSaved] = useState(mode);
  const save = useServerAction(updateBillingSettingsAction, { onSuccess: (s) => setSaved(s.mode) });
  const since = save.data?.since;
  return (
    <form
      className="grid gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ mode: chosen });
      }}
    >
      <label htmlFor="billing-mode" className="text-sm font-medium">
        How this instance bills
      </label>
      <div className="flex flex-wrap gap-2">
        <NativeSelect id="billing-mode" wrapperClassName="w-auto min-w-72" value={chosen} onChange={(e) => setChosen(e.target.value)}>
          {MODES.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </NativeSelect>
        <Button type="submit" disabled={save.isPending || chosen === saved}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
      <p className="text-xs text-muted-foreground">{MODES.find((m) => m.value === chosen)?.help}</p>
      {save.isSuccess && chosen === saved && (
        <p role="status" className="text-xs text-success">
          Saved: from {since ? new Date(since).toISOString().slice(0, 16).replace("T", " ") : "now"} UTC. What came before is billed the old way.
        </p>
      )}
      {save.error && <FormAlert message={save.error.message} />}
    </form>
  );
}
