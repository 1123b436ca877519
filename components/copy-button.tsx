"use client";
import { Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/** Copies `text` to the clipboard and says so ("Copied"). `what` names it for screen readers. */
export function CopyButton({ text, what, autoFocus }: { text: string; what: string; autoFocus?: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      type="button"
      variant="outline"
      aria-label={`Copy ${what}`}
      autoFocus={autoFocus}
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      <Copy className="size-4" aria-hidden="true" />
      <span aria-live="polite">{copied ? "Copied" : "Copy"}</span>
    </Button>
  );
}
