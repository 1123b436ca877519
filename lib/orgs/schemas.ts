import { z } from "zod";

// Top-level paths that an organization slug would shadow.
export const RESERVED_SLUGS = new Set([
  "admin",
  "api",
  "account",
  "auth",
  "invite",
  "orgs",
  "new",
  "sign-in",
  "sign-up",
  "sign-out",
  "scim",
  "sso",
  "settings",
  "static",
  "public",
  "_next",
  "health",
  "ready",
  "docs",
  "setup",
  "verify-email",
  "reset-password",
  "forgot-password",
]);

// One line: names go into mail subjects and bodies, where a line break could pass for Tollgate's own text.
export const OrgName = z
  .string()
  .trim()
  .min(1, "Enter a name")
  .max(80, "Name must be at most 80 characters")
  .regex(/^[^\p{Cc}\u2028\u2029]*$/u, "A name is one line, without control characters");

export const OrgSlug = z
  .string()
  .trim()
  .toLowerCase()
  .min(2, "Slug must be at least 2 characters")
  .max(48, "Slug must be at most 48 characters")
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Slug may contain lowercase letters, digits and single dashes")
  .refine((s) => !RESERVED_SLUGS.has(s), "This slug is reserved");

export const CreateOrganizationInput = z.strictObject({ name: OrgName, slug: OrgSlug });
export const RenameOrganizationInput = z.strictObject({ name: OrgName, slug: OrgSlug });
export const DeleteOrganizationInput = z.strictObject({ confirmSlug: z.string().trim() });
