// Bulk invitations, shared by the form (in the browser) and the server: no server-only imports here.

/** At most this many addresses in one bulk invitation. */
export const BULK_INVITE_MAX = 50;

/** Addresses pasted as people paste them: separated by commas, semicolons, spaces or lines; "Name <email>" taken apart. */
export function emailsIn(text: string): string[] {
  const found = text
    .split(/[,;\s]+/)
    .map((part) => part.replace(/^.*</, "").replace(/>.*$/, "").trim())
    .filter((part) => part.includes("@"));
  return [...new Set(found.map((e) => e.toLowerCase()))];
}
