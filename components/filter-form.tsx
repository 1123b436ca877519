// The GET filter form of list pages: fields in a bordered grid, Filter and
// Clear, and the message for a filter value the page could not use.
import Link from "next/link";
import type { ReactNode } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";

export function FilterForm({
  action,
  label,
  filtered,
  error,
  className,
  children,
}: {
  action: string;
  label: string;
  filtered: boolean;
  error?: string | null;
  className?: string;
  children: ReactNode;
}) {
  return (
    <>
      <form method="get" action={action} className={cn("grid gap-4 rounded-lg border border-border p-4 sm:items-end", className)} aria-label={label}>
        {children}
        <div className="flex gap-2">
          <Button type="submit">Filter</Button>
          {filtered && (
            <Button variant="ghost" asChild>
              <Link href={action}>Clear</Link>
            </Button>
          )}
        </div>
      </form>
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
    </>
  );
}
