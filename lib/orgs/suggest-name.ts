// A first organization's name, suggested so that a new person only has to
// confirm it: their company's name from a work address, else their own.
import { db } from "../db.ts";
import type { UserCtx } from "../context.ts";
import { OrgSlug } from "./schemas.ts";
import { slugify } from "./slugify.ts";

// Addresses that say nothing of a company.
const PERSONAL_DOMAINS = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "msn.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "pm.me",
  "gmx.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "mail.com",
  "yandex.com",
  "yandex.ru",
  "qq.com",
  "163.com",
  "zoho.com",
  "fastmail.com",
  "hey.com",
]);

export function suggestedOrganizationName(person: { name: string | null; email: string }): string {
  const domain = person.email.split("@")[1]?.toLowerCase() ?? "";
  const company = domain.split(".")[0] ?? "";
  if (company.length >= 2 && !PERSONAL_DOMAINS.has(domain)) return company.charAt(0).toUpperCase() + company.slice(1);
  const first = person.name?.trim().split(/\s+/)[0];
  return first ? `${first}'s organization` : "My organization";
}

/** The suggestion and a slug for it that no organization has yet ("acme", else "acme-2", …). */
export async function organizationSuggestion(ctx: UserCtx): Promise<{ name: string; slug: string }> {
  const user = await db.user.findUnique({ where: { id: ctx.principal.userId }, select: { name: true, email: true } });
  const name = suggestedOrganizationName(user ?? { name: null, email: ctx.principal.email });
  const base = slugify(name).slice(0, 40);
  if (!OrgSlug.safeParse(base).success) return { name, slug: "" };
  const taken = new Set((await db.organization.findMany({ where: { slug: { startsWith: base } }, select: { slug: true }, take: 1000 })).map((o) => o.slug));
  for (let n = 1; n <= 1000; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(slug)) return { name, slug };
  }
  return { name, slug: "" };
}
