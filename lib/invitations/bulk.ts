// Bulk invitations, shared by the form (in the browser) and the server: no server-only imports here.

/** At most this many addresses in one bulk invitation. */
export const BULK_INVITE_MAX = 50;

/**
 * Addresses pasted as people paste them: separated by commas, semicolons,
 * spaces or lines, "Name <email>" taken apart. Every other word is returned as
 * it is, for the server to refuse by name (nothing is dropped silently).
 */
export function emailsIn(text: string): string[] {
  const named = [...text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]!.trim());
  // "Ada Lovelace <ada@example.com>": the name, up to the previous separator, goes with its address.
  const rest = text.replace(/[^,;\n<>]*<[^<>]*>/g, " ");
  const words = rest.split(/[,;\s]+/).filter((word) => word !== "");
  return [...new Set([...named, ...words].filter((e) => e !== "").map((e) => e.toLowerCase()))];
}
