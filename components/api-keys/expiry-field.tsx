"use client";
// The expiry choice of a new API key: never (when allowed), a few presets, or
// a date (the key lasts to the end of that day, UTC). Read back with expiresAtOf.
import { useState } from "react";
import { FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/select";

export type ExpiryRules = { requireExpiry: boolean; maxLifetimeDays: number | null };

const DAY_MS = 86_400_000;
const PRESET_DAYS = [7, 30, 90, 365];
const NO_RULES: ExpiryRules = { requireExpiry: false, maxLifetimeDays: null };
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The choices the rules leave open: "never" only without a required expiry or a maximum lifetime. */
function expiryChoices(rules: ExpiryRules) {
  const max = rules.maxLifetimeDays;
  const days = PRESET_DAYS.filter((d) => !max || d <= max);
  if (max && !days.includes(max)) days.push(max);
  return { never: !rules.requireExpiry && !max, days };
}

export function ExpiryField({ rules = NO_RULES, ruleText }: { rules?: ExpiryRules; ruleText?: string }) {
  const { never, days } = expiryChoices(rules);
  const [choice, setChoice] = useState(never ? "never" : days.includes(90) ? "90" : days.length ? String(days.at(-1)) : "custom");
  const max = rules.maxLifetimeDays;
  const now = Date.now();
  // A date's key lasts to the end of that day (UTC), so the last date allowed is one day short of the maximum.
  const lastDate = max ? isoDate(now + (max - 1) * DAY_MS) : undefined;
  const suggested = isoDate(now + Math.min(30, max ? max - 1 : 30) * DAY_MS);
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <FormField id="key-expiry" label="Expires" description={ruleText ?? "A key that expires limits the harm a leaked one can do."}>
        {(p) => (
          <NativeSelect {...p} name="expiry" value={choice} onChange={(e) => setChoice(e.target.value)}>
            {never && <option value="never">Never</option>}
            {days.map((d) => (
              <option key={d} value={d}>
                {`${d === 365 ? "In 1 year" : `In ${d} days`}${d === max ? " (the maximum)" : ""}`}
              </option>
            ))}
            <option value="custom">On a date…</option>
          </NativeSelect>
        )}
      </FormField>
      {choice === "custom" && (
        <FormField id="key-expires-on" label="Expires on (UTC)" description="At the end of that day.">
          {(p) => <Input {...p} name="expiresOn" type="date" min={isoDate(now)} max={lastDate} defaultValue={suggested} />}
        </FormField>
      )}
    </div>
  );
}

/** The form's expiry as an ISO string, or null for never. */
export function expiresAtOf(form: FormData): string | null {
  const expiry = String(form.get("expiry") ?? "never");
  if (expiry === "never") return null;
  if (expiry === "custom") {
    const date = String(form.get("expiresOn") ?? "");
    // An empty date goes to the server as it is, which explains that it needs one.
    return date ? new Date(`${date}T23:59:59Z`).toISOString() : "";
  }
  return new Date(Date.now() + Number(expiry) * DAY_MS).toISOString();
}
