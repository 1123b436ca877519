// How long the secret a rotation replaces keeps working: the choices of a rotate dialog.
const OVERLAPS = [
  { hours: 0, label: "Stop the old secret now", hint: "Requests with it are refused at once." },
  { hours: 1, label: "Keep it working for 1 hour", hint: "Enough to redeploy one service." },
  { hours: 24, label: "Keep it working for 24 hours", hint: "Recommended: time to update every service." },
  { hours: 168, label: "Keep it working for 7 days", hint: "For services that are slow to change." },
];

/** Radio buttons named overlapHours; 24 hours is chosen at first. */
export function OverlapFieldset() {
  return (
    <fieldset className="grid gap-3">
      <legend className="mb-3 text-sm font-medium">The old secret</legend>
      {OVERLAPS.map((o) => (
        <label key={o.hours} className="flex items-start gap-2 text-sm">
          <input type="radio" name="overlapHours" value={o.hours} defaultChecked={o.hours === 24} className="mt-0.5 size-4 shrink-0 accent-primary" />
          <span>
            {o.label}
            <span className="block text-xs text-muted-foreground">{o.hint}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
