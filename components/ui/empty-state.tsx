import type * as React from "react";
import { cn } from "./cn";

export type EmptyStateProps = Omit<React.ComponentProps<"div">, "title"> & {
  /** Decorative icon element, e.g. <KeyRoundIcon />. Rendered aria-hidden. */
  icon?: React.ReactNode;
  title: React.ReactNode;
  description?: React.ReactNode;
  /** Optional call to action, e.g. a <Button>. */
  action?: React.ReactNode;
  /** Heading level for the title. Defaults to "h2". */
  titleAs?: "h2" | "h3" | "h4" | "p";
};

export function EmptyState({ icon, title, description, action, titleAs: Title = "h2", className, ...props }: EmptyStateProps) {
  return (
    <div data-slot="empty-state" className={cn("flex flex-col items-center justify-center rounded-lg border border-dashed px-6 py-12 text-center", className)} {...props}>
      {icon && (
        <div aria-hidden="true" className="mb-4 flex size-10 items-center justify-center rounded-full bg-muted text-muted-foreground [&_svg]:size-5">
          {icon}
        </div>
      )}
      <Title className="text-sm font-semibold text-foreground">{title}</Title>
      {description && <p className="mt-1 max-w-sm text-sm text-muted-foreground">{description}</p>}
      {action && <div className="mt-5 flex items-center gap-2">{action}</div>}
    </div>
  );
}
