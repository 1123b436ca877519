"use client";
import type * as React from "react";
import { useFieldError } from "../form-errors";
import { Label } from "./label";
import { cn } from "./cn";

/** Props to spread onto the control (Input, Textarea, NativeSelect, ...). */
export type FormFieldControlProps = {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
  "aria-required"?: true;
};

export type FormFieldProps = {
  id: string;
  label: React.ReactNode;
  error?: string | null;
  /** The path of this field in the action's input: inside FormErrors, a refusal's message for it shows here. */
  name?: string;
  description?: React.ReactNode;
  /** Adds a visual marker and aria-required on the control. */
  required?: boolean;
  className?: string;
  /** Render function receiving control props; a plain node is rendered as-is (wire ids yourself). */
  children: ((control: FormFieldControlProps) => React.ReactNode) | React.ReactNode;
};

export function FormField({ id, label, error: given, name, description, required, className, children }: FormFieldProps) {
  const fromForm = useFieldError(name);
  const error = given ?? fromForm;
  const descriptionId = description ? `${id}-description` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [descriptionId, errorId].filter(Boolean).join(" ") || undefined;
  const control: FormFieldControlProps = {
    id,
    ...(describedBy && { "aria-describedby": describedBy }),
    ...(error && { "aria-invalid": true as const }),
    ...(required && { "aria-required": true as const }),
  };

  return (
    <div data-slot="form-field" className={cn("grid gap-2", className)}>
      <Label htmlFor={id}>
        {label}
        {required && (
          <span aria-hidden="true" className="ml-0.5 text-destructive">
            *
          </span>
        )}
      </Label>
      {typeof children === "function" ? children(control) : children}
      {description && (
        <p id={descriptionId} className="text-sm text-muted-foreground">
          {description}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-sm font-medium text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
