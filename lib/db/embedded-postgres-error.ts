// A start-up failure of the embedded PostgreSQL, as one line that says what to do.

export const USE_YOUR_OWN = "set DATABASE_URL to use your own PostgreSQL";

export class EmbeddedPostgresError extends Error {
  constructor(problem: string, remedy = USE_YOUR_OWN) {
    super(`embedded PostgreSQL: ${oneLine(problem)}; ${remedy}`);
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
