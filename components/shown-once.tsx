"use client";
import { Copy } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { DialogFooter } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";

/** A new secret, shown once with a copy button. `what` names it ("key", "token"). */
export function ShownOnce({ secret, close, what = "key", label = "New API key" }: { secret: string; close: () => void; what?: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="grid gap-4">
      <Alert variant="success">
        <AlertDescription>Copy the {what} now. It is shown once; Tollgate keeps only a hash of it.</AlertDescription>
      </Alert>
      <div className="flex gap-2">
        <Input readOnly aria-label={label} value={secret} className="font-mono text-xs" data-testid="new-api-key" onFocus={(e) => e.currentTarget.select()} />
        <Button
          type="button"
          variant="outline"
          aria-label={`Copy ${what}`}
          onClick={() =>
            navigator.clipboard?.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          <Copy className="size-4" aria-hidden="true" />
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <DialogFooter>
        <Button onClick={close}>Done</Button>
      </DialogFooter>
    </div>
  );
}
