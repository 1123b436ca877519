"use client";
import { Eye } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useServerAction } from "@/lib/client/use-server-action";
import { revealOutboxMailAction } from "./actions";

/** A mail's text with its one-time links hidden, and a button that shows them (audited). */
export function MailText({ id, text, hasLiveLinks }: { id: string; text: string; hasLiveLinks: boolean }) {
  const [shown, setShown] = useState<string>();
  const reveal = useServerAction(revealOutboxMailAction, { refresh: false, onSuccess: (data) => setShown(data.text) });
  return (
    <div className="mt-3 grid gap-2">
      <pre className="whitespace-pre-wrap break-all rounded bg-muted p-3 text-sm">{shown ?? text}</pre>
      {hasLiveLinks && !shown && (
        <div className="flex flex-wrap items-center gap-3">
          <Button type="button" size="sm" variant="outline" disabled={reveal.isPending} onClick={() => reveal.mutate(id)}>
            <Eye aria-hidden="true" />
            Show links
          </Button>
          <span className="text-xs text-muted-foreground">Links let whoever opens them into an account. Showing them is recorded in the audit trail.</span>
        </div>
      )}
      {reveal.error && (
        <p role="alert" className="text-sm text-destructive">
          {reveal.error.message}
        </p>
      )}
    </div>
  );
}
