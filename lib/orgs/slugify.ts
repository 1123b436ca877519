// Shared by the browser (slug suggestions) and the server.
export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize("NFKD")
      // Accents apart from their letters ("Renée" → "renee"), apostrophes gone ("Ada's" → "adas").
      .replace(/\p{M}+/gu, "")
      .replace(/['’]/g, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 48)
  );
}
