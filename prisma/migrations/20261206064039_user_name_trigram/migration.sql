-- CreateIndex
-- As User_email_trgm_idx, for names.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "User_name_trgm_idx" ON "User" USING GIN ("name" gin_trgm_ops);
