"use client";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** What error.tsx boundaries show: no stack trace, a reference, a retry. */
export function ErrorState({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="grid gap-4">
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <Alert variant="destructive">
        <AlertTitle>This page could not be loaded</AlertTitle>
        <AlertDescription>Try again. If it keeps failing, report reference {error.digest ?? "unknown"} to your administrator.</AlertDescription>
      </Alert>
      <div>
        <Button onClick={reset}>Try again</Button>
      </div>
    </div>
  );
}
