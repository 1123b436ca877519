// The sections of an organization's dashboard, with the permission that opens
// each: the sidebar shows them, and the sections' layout refuses a direct
// visit without it (a real 403, before the page starts streaming).
import type { Permission } from "@/lib/authz/permissions";

export type Section = { path: string; label: string; permission: Permission | null };

export const SECTIONS: Section[] = [
  { path: "members", label: "Members", permission: null },
  { path: "projects", label: "Projects", permission: "projects:read" },
  { path: "groups", label: "Groups", permission: "groups:read" },
  { path: "roles", label: "Roles", permission: "roles:read" },
  { path: "access", label: "Access", permission: "grants:read" },
  { path: "api-keys", label: "API keys", permission: "apikeys:read" },
  { path: "decisions", label: "Access decisions", permission: "decisions:read" },
  { path: "audit", label: "Audit log", permission: "audit:read" },
  { path: "usage", label: "Usage", permission: "usage:read" },
  { path: "billing", label: "Billing", permission: "billing:read" },
  { path: "sso", label: "Single sign-on", permission: "sso:read" },
  { path: "settings", label: "Settings", permission: null },
];

/** The section a path (`/<org>/<section>/...`) is in. */
export function sectionOfPath(pathname: string): Section | undefined {
  const segment = pathname.split("/")[2];
  return SECTIONS.find((s) => s.path === segment);
}
