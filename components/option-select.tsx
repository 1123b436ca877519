"use client";
// A labelled select of options with a first, empty choice: "Choose a role"
// (required) or a real choice such as "The whole organization" (optional).
import { FormField } from "@/components/ui/form-field";
import { NativeSelect } from "@/components/ui/select";

export type Option = { id: string; label: string };

/** `name` is the form field; `errorPath` the path in the action's input whose errors it shows (default: `name`). */
export function OptionSelect({
  id,
  label,
  name,
  errorPath = name,
  options,
  placeholder,
  required,
}: {
  id: string;
  label: string;
  name: string;
  errorPath?: string;
  options: Option[];
  placeholder: string;
  required?: boolean;
}) {
  return (
    <FormField id={id} label={label} required={required} name={errorPath}>
      {(p) => (
        <NativeSelect {...p} name={name} defaultValue="">
          <option value="" disabled={required}>
            {placeholder}
          </option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </NativeSelect>
      )}
    </FormField>
  );
}
