"use client";
import { Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

// The Clipboard API exists only on secure origins: a self-hosted instance on
// plain http over a LAN gets the older copy command instead.
async function copyText(text: string) {
  if (navigator.clipboard) return navigator.clipboard.writeText(text);
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
}

/** Copies `text` and says so. `what` completes the button's name for screen readers ("Copy key"). */
export function CopyButton({ text, what, autoFocus }: { text: string; what: string; autoFocus?: boolean }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <Button
        type="button"
        variant="outline"
        autoFocus={autoFocus}
        onClick={() =>
          copyText(text).then(
            () => setState("copied"),
            () => setState("failed"),
          )
        }
      >
        <Copy className="size-4" aria-hidden="true" />
        {state === "copied" ? "Copied" : "Copy"}
        <span className="sr-only"> {what}</span>
      </Button>
      <span role="status" className="sr-only">
        {state === "copied" ? `${what} copied` : state === "failed" ? `Could not copy the ${what}: select it and copy it yourself` : ""}
      </span>
    </>
  );
}
