-- CreateIndex
-- The instance admin's user search (ILIKE '%…%'). CONCURRENTLY, so sign-ups go on while it builds. It is alone in its migration, as it cannot run in a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "User_email_trgm_idx" ON "User" USING GIN ("email" gin_trgm_ops);
