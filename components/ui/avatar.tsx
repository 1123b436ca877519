import type * as React from "react";
import { cva } from "class-variance-authority";
import type { VariantProps } from "class-variance-authority";
import { cn } from "./cn";

const avatarVariants = cva("inline-flex shrink-0 select-none items-center justify-center rounded-full bg-secondary font-medium uppercase text-secondary-foreground", {
  variants: { size: { sm: "size-6 text-[10px]", default: "size-8 text-xs", lg: "size-10 text-sm" } },
  defaultVariants: { size: "default" },
});

export function getInitials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s@._-]+/)
    .filter(Boolean);
  if (parts.length === 0) return "?";
  const first = parts[0]?.[0] ?? "";
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

export type AvatarProps = Omit<React.ComponentProps<"span">, "children"> &
  VariantProps<typeof avatarVariants> & {
    /** Full name or email; used for initials and the accessible name. */
    name: string;
    /** Hide from assistive tech when the name is already shown next to it. */
    decorative?: boolean;
  };

export function Avatar({ name, size, decorative = false, className, ...props }: AvatarProps) {
  const a11y = decorative ? { "aria-hidden": true as const } : { role: "img", "aria-label": name };
  return (
    <span data-slot="avatar" className={cn(avatarVariants({ size }), className)} {...a11y} {...props}>
      <span aria-hidden="true">{getInitials(name)}</span>
    </span>
  );
}
