-- CreateIndex
-- CONCURRENTLY: an instance with a large audit log keeps writing it while the index builds.
-- It cannot run in a transaction, so it is this migration's only statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "AuditEvent_actorId_createdAt_idx" ON "AuditEvent"("actorId", "createdAt" DESC);
