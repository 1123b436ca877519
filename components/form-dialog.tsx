"use client";
import { useState, type ReactNode } from "react";
import { FormErrorSummary, FormErrors } from "@/components/form-errors";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Spinner } from "@/components/ui/spinner";
import type { ActionResult } from "@/lib/http/actions";
import { useServerAction } from "@/lib/client/use-server-action";

/**
 * A dialog holding a form that runs one server action: pending state, the
 * action's errors under their fields (FormField `name`s) or below them, and
 * either closing with `successToast` or showing `success(data)`. A
 * `destructive` dialog (delete, remove) says so in its submit button's style.
 */
export function FormDialog<T>({
  trigger,
  title,
  description,
  submitLabel,
  action,
  toInput,
  success,
  successToast,
  wide,
  destructive,
  children,
}: {
  trigger: ReactNode;
  title: string;
  description?: string;
  submitLabel: string;
  action: (input: unknown) => Promise<ActionResult<T>>;
  toInput: (form: FormData) => unknown;
  success?: (data: T, close: () => void) => ReactNode;
  successToast?: string | ((data: T) => string);
  wide?: boolean;
  destructive?: boolean;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const run = useServerAction(action, { onSuccess: () => !success && setOpen(false), successToast });
  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (!next) run.reset();
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent className={wide ? "max-h-[90vh] overflow-y-auto sm:max-w-3xl" : undefined}>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          {description ? <DialogDescription>{description}</DialogDescription> : <DialogDescription className="sr-only">{title}</DialogDescription>}
        </DialogHeader>
        {run.isSuccess && success ? (
          success(run.data, () => onOpenChange(false))
        ) : (
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              run.mutate(toInput(new FormData(e.currentTarget)));
            }}
          >
            <FormErrors error={run.error}>
              {children}
              <FormErrorSummary error={run.error} />
            </FormErrors>
            <DialogFooter>
              <Button type="submit" variant={destructive ? "destructive" : "default"} disabled={run.isPending}>
                {run.isPending && <Spinner />}
                {submitLabel}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
