"use client";
import { CopyButton } from "@/components/copy-button";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { DialogFooter } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";

/** A new secret, shown once with a copy button. `what` names it ("key", "token"). */
export function ShownOnce({ secret, close, what = "key", label = "New API key" }: { secret: string; close: () => void; what?: string; label?: string }) {
  return (
    <div className="grid gap-4">
      <Alert variant="success">
        <AlertDescription>Copy the {what} now. It is shown once; Tollgate keeps only a hash of it.</AlertDescription>
      </Alert>
      <div className="flex gap-2">
        <Input readOnly aria-label={label} value={secret} className="font-mono text-xs" data-testid="new-api-key" onFocus={(e) => e.currentTarget.select()} />
        {/* The secret is lost once the dialog closes: focus goes to Copy, not to Done. */}
        <CopyButton text={secret} what={what} autoFocus />
      </div>
      <DialogFooter>
        <Button onClick={close}>Done</Button>
      </DialogFooter>
    </div>
  );
}
