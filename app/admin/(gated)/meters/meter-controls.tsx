"use client";
import { Plus } from "lucide-react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormDialog } from "@/components/form-dialog";
import { Button } from "@/components/ui/button";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { CountedInput } from "@/components/ui/counted-input";
import { NativeSelect } from "@/components/ui/select";
import { useServerAction } from "@/lib/client/use-server-action";
import { createMeterAction, deleteMeterAction } from "./actions";

/** "region=eu, tier=pro" as {"region": "eu", "tier": "pro"}: the filter an event must match. */
function filterOf(text: string): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf("=");
    filter[(at === -1 ? part : part.slice(0, at)).trim()] = at === -1 ? "" : part.slice(at + 1).trim();
  }
  return filter;
}

const listOf = (text: string) =>
  text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

export function CreateMeterDialog() {
  return (
    <FormDialog
      wide
      trigger={
        <Button>
          <Plus className="size-4" aria-hidden="true" />
          New meter
        </Button>
      }
      title="Define a meter"
      description="Which usage events count, and how. The counting rule is fixed once the meter exists (invoices are computed by it); only its name can change."
      submitLabel="Create meter"
      successToast="Meter created"
      action={createMeterAction}
      toInput={(f) => {
        const aggregation = String(f.get("aggregation"));
        const valueProperty = String(f.get("valueProperty") ?? "").trim();
        return {
          key: f.get("key"),
          name: f.get("name"),
          eventType: f.get("eventType"),
          aggregation,
          ...(valueProperty && { valueProperty }),
          filter: filterOf(String(f.get("filter") ?? "")),
          groupBy: listOf(String(f.get("groupBy") ?? "")),
        };
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField id="meter-key" name="key" label="Key" required description="How plans and the API name it.">
          {(p) => <Input {...p} name="key" maxLength={64} placeholder="e.g. llm_tokens" />}
        </FormField>
        <FormField id="meter-name" name="name" label="Name" required>
          {(p) => <CountedInput {...p} name="name" maxLength={80} placeholder="e.g. LLM tokens" />}
        </FormField>
        <FormField id="meter-event-type" name="eventType" label="Event type" required description="Events with this type count.">
          {(p) => <Input {...p} name="eventType" maxLength={200} placeholder="e.g. llm.completion" />}
        </FormField>
        <FormField id="meter-aggregation" name="aggregation" label="Aggregation" required>
          {(p) => (
            <NativeSelect {...p} name="aggregation" defaultValue="count">
              <option value="count">Count events</option>
              <option value="sum">Sum of a value</option>
              <option value="max">Highest value</option>
              <option value="unique_count">Distinct values</option>
              <option value="latest">Latest value</option>
            </NativeSelect>
          )}
        </FormField>
        <FormField id="meter-value-property" name="valueProperty" label="Value property" description="The property holding the value; leave empty to count events.">
          {(p) => <Input {...p} name="valueProperty" maxLength={100} placeholder="e.g. tokens" />}
        </FormField>
        <FormField id="meter-group-by" name="groupBy" label="Group by" description="Properties that split the usage, comma-separated.">
          {(p) => <Input {...p} name="groupBy" placeholder="e.g. model, region" />}
        </FormField>
        <FormField id="meter-filter" name="filter" label="Only events with" className="sm:col-span-2" description="Property values an event must have, e.g. region=eu, tier=pro.">
          {(p) => <Input {...p} name="filter" placeholder="e.g. region=eu" />}
        </FormField>
      </div>
    </FormDialog>
  );
}

export function DeleteMeterButton({ meterKey }: { meterKey: string }) {
  const remove = useServerAction(deleteMeterAction, { successToast: "Meter deleted" });
  return (
    <ConfirmAction
      trigger={
        <Button variant="ghost" size="sm" className="text-destructive" aria-label={`Delete meter ${meterKey}`}>
          Delete
        </Button>
      }
      title={`Delete the meter ${meterKey}?`}
      description="Its rollups go with it; the events stay, and a new meter can count them again."
      confirmLabel="Delete meter"
      run={async () => void (await remove.mutateAsync(meterKey))}
    />
  );
}
