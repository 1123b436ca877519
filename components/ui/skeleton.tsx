import type * as React from "react";
import { cn } from "./cn";

/** Decorative loading placeholder. Mark the loading region with aria-busy and/or a <Spinner /> for AT. */
export function Skeleton({ className, ...props }: React.ComponentProps<"div">) {
  return <div data-slot="skeleton" aria-hidden="true" className={cn("rounded-md bg-muted motion-safe:animate-pulse", className)} {...props} />;
}
