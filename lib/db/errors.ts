// Recognises PostgreSQL constraint errors through Prisma's driver adapter.
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: string; cause?: { code?: string; originalCode?: string }; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  return (
    e.code === "P2002" ||
    e.code === "23505" ||
    e.cause?.originalCode === "23505" ||
    e.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation" ||
    e.meta?.driverAdapterError?.cause?.originalCode === "23505"
  );
}
