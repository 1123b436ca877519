import { LoaderCircleIcon } from "lucide-react";
import { cn } from "./cn";

export type SpinnerProps = {
  /** Screen-reader text. Defaults to "Loading". */
  label?: string;
  className?: string;
};

export function Spinner({ label = "Loading", className }: SpinnerProps) {
  return (
    <span data-slot="spinner" role="status" className={cn("inline-flex items-center text-muted-foreground", className)}>
      <LoaderCircleIcon aria-hidden="true" className="size-4 animate-spin" />
      <span className="sr-only">{label}</span>
    </span>
  );
}
