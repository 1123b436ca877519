"use client";
// A refused form's errors, each under its field: FormField with a `name` (a
// path of the action's input, e.g. "conditions.ipCidrs") shows the first
// message at or below that path and marks its control. What no field claims
// (a form-level refusal, a path no field shows) is said by FormErrorSummary.
import { createContext, useContext, type ReactNode } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import type { ActionError } from "@/lib/client/use-server-action";

type Registry = { fields: Record<string, string>; claimed: Set<string> };
const FormErrorsContext = createContext<Registry | null>(null);

const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/** "conditions.validUntil" → "Valid until": the words of a path's last named segment. */
const fieldWords = (path: string) => {
  const last =
    path
      .split(".")
      .filter((segment) => !/^\d+$/.test(segment))
      .pop() ?? path;
  return sentence(last.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase());
};

export function FormErrors({ error, children }: { error: ActionError | null; children: ReactNode }) {
  // A new registry per render: fields claim their paths as they render, before the summary does.
  const registry: Registry = { fields: error?.fields ?? {}, claimed: new Set() };
  return <FormErrorsContext.Provider value={registry}>{children}</FormErrorsContext.Provider>;
}

/** The message for the field at `name`, if the last refusal had one; the field then counts as shown. */
export function useFieldError(name: string | undefined): string | undefined {
  const registry = useContext(FormErrorsContext);
  if (!registry || !name) return undefined;
  for (const [path, message] of Object.entries(registry.fields)) {
    if (path === name || path.startsWith(`${name}.`)) {
      registry.claimed.add(path);
      return sentence(message);
    }
  }
  return undefined;
}

/** Place after the fields: the refusal as a whole, or the field messages no field showed. */
export function FormErrorSummary({ error }: { error: ActionError | null }) {
  const registry = useContext(FormErrorsContext);
  if (!error) return null;
  const fields = Object.entries(error.fields);
  if (fields.length === 0)
    return (
      <Alert variant="destructive">
        <AlertDescription>{error.message}</AlertDescription>
      </Alert>
    );
  const unclaimed = fields.filter(([path]) => !registry?.claimed.has(path));
  const shown = fields.length - unclaimed.length;
  // Messages under fields are not announced: this line is (and says where to look).
  return (
    <Alert variant="destructive">
      <AlertDescription>
        {shown > 0 && <p>{shown === 1 ? "Check the field marked above." : `Check the ${shown} fields marked above.`}</p>}
        {unclaimed.map(([path, message]) => (
          <p key={path}>{path ? `${fieldWords(path)}: ${sentence(message)}` : sentence(message)}</p>
        ))}
      </AlertDescription>
    </Alert>
  );
}
