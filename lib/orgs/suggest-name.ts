// A first organization's name, suggested so that a new person only has to
// confirm it: their company's name from a work address, else their own.
import { db } from "../db.ts";
import type { UserCtx } from "../context.ts";
import { OrgSlug } from "./schemas.ts";
import { slugify } from "./slugify.ts";

// Mail providers, whatever their country ending: their addresses say nothing of a company.
const PROVIDERS = new Set([
  "gmail",
  "googlemail",
  "outlook",
  "hotmail",
  "live",
  "msn",
  "yahoo",
  "ymail",
  "icloud",
  "me",
  "mac",
  "aol",
  "proton",
  "protonmail",
  "pm",
  "gmx",
  "web",
  "mail",
  "yandex",
  "qq",
  "163",
  "zoho",
  "fastmail",
  "hey",
]);

/** "ada@mail.acme.co.uk" → "acme": the label before the public ending (one or two short labels). */
function companyOf(domain: string): string {
  const labels = domain.split(".");
  if (labels.length < 2) return "";
  const secondLevel = labels.length >= 3 && labels.at(-2)!.length <= 3 && labels.at(-1)!.length === 2;
  return labels.at(secondLevel ? -3 : -2) ?? "";
}

export function suggestedOrganizationName(person: { name: string | null; email: string }): string {
  const company = companyOf(person.email.split("@")[1]?.toLowerCase() ?? "");
  if (company.length >= 2 && !PROVIDERS.has(company)) return company.charAt(0).toUpperCase() + company.slice(1);
  const first = person.name?.trim().split(/\s+/)[0];
  return first ? `${first}'s organization` : "My organization";
}

const CANDIDATES = 50;

/**
 * For a first organization only (someone who already belongs to one is
 * making another, not their company's): the suggestion and a slug for it
 * that no organization has yet ("acme", else "acme-2", …).
 */
export async function organizationSuggestion(ctx: UserCtx): Promise<{ name: string; slug: string }> {
  const [user, memberships] = await Promise.all([
    db.user.findUnique({ where: { id: ctx.principal.userId }, select: { name: true, email: true } }),
    db.membership.count({ where: { userId: ctx.principal.userId } }),
  ]);
  if (memberships > 0) return { name: "", slug: "" };
  const name = suggestedOrganizationName(user ?? { name: null, email: ctx.principal.email });
  const base = slugify(name).slice(0, 40).replace(/-+$/, "");
  const candidates = Array.from({ length: CANDIDATES }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`)).filter((slug) => OrgSlug.safeParse(slug).success);
  const taken = new Set((await db.organization.findMany({ where: { slug: { in: candidates } }, select: { slug: true } })).map((o) => o.slug));
  return { name, slug: candidates.find((slug) => !taken.has(slug)) ?? "" };
}
