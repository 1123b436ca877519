// Role names as people read them. Two names that look alike in a list or an
// invitation email ("Owner " and "Owner", full-width "Ａｄｍｉｎ" and "Admin",
// "Ad\u200Bmin" with a hidden character, "Аdmin" with a Cyrillic "А",
// "Owner\u2800" with a Braille blank) compare equal here.
import unhomoglyph from "unhomoglyph";
import { Conflict } from "../errors.ts";
import type { Tx } from "../db.ts";

/** C0/C1 controls and the bidirectional controls that reorder how a name is shown. */
const CONTROL = /[\p{Cc}\p{Bidi_Control}]/u;
/** Format characters and other default-ignorable code points: zero-width spaces and joiners, soft hyphens, BOMs, fillers. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
/**
 * Characters that show as blank space yet are neither whitespace nor
 * default-ignorable: the Braille blank and the musical null notehead. They
 * read as spaces (the Hangul fillers are default-ignorable, so invisible).
 */
const BLANKS = /[\u2800\u{1D159}]/gu;

export const hasControlCharacters = (name: string) => CONTROL.test(name);

/** NFKC, invisible characters removed, case-folded, blanks read as whitespace, whitespace collapsed and trimmed. */
export function readableRoleName(name: string): string {
  const visible = name.normalize("NFKC").replace(INVISIBLE, "").replace(BLANKS, " ");
  // Upper then lower case folds what lower case alone keeps apart (ß/ss, ς/σ).
  return visible.toUpperCase().toLowerCase().normalize("NFKC").replace(/\s+/gu, " ").trim();
}

/** Unicode TR39 skeleton: NFD, each character mapped to its prototype in confusables.txt, NFD again. */
const skeleton = (text: string) => unhomoglyph(text.normalize("NFD")).normalize("NFD");

/**
 * What a name looks like, for comparing names: letters of other scripts that
 * look like Latin ones ("А", "Ο", "і") read as those. Two readings, and names
 * clash when either matches: the skeleton of the case-folded name ("ADMIN"
 * and "Admin" fold alike), and the case-folded skeleton (a capital can look
 * like a Latin one while its small letter does not: Greek "Μ" and "M", but
 * "μ" and "m"; yet the skeleton maps a capital "I" to "l").
 */
export function roleNameSkeletons(name: string): [string, string] {
  return [skeleton(readableRoleName(name)), skeleton(readableRoleName(skeleton(name)))];
}

const clashes = (a: string, b: string) => {
  const [x1, x2] = roleNameSkeletons(a);
  const [y1, y2] = roleNameSkeletons(b);
  return x1 === y1 || x2 === y2;
};

/**
 * Refuses a name that reads like a built-in role or another role of the
 * organization. Call under lockOrganization, so two look-alikes cannot both pass.
 */
export async function assertRoleNameFree(tx: Tx, orgId: string, name: string, exceptRoleId?: string) {
  const roles = await tx.role.findMany({
    where: { OR: [{ orgId: null, isBuiltIn: true }, { orgId }], ...(exceptRoleId ? { id: { not: exceptRoleId } } : {}) },
    orderBy: [{ isBuiltIn: "desc" }, { name: "asc" }],
    select: { name: true, isBuiltIn: true },
  });
  const clash = roles.find((r) => clashes(r.name, name));
  if (!clash) return;
  if (clash.isBuiltIn) {
    throw new Conflict("role_name_reserved", `"${name}" reads as the built-in role "${clash.name}". Choose another name, so that nobody takes this role for the built-in one.`);
  }
  throw new Conflict("role_name_taken", `A role named "${clash.name}" exists already${clash.name === name ? "" : `, and "${name}" reads the same`}. Choose another name.`);
}
