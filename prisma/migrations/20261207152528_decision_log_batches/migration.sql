-- The decision log becomes one row per organization and second of a batch,
-- its decisions in one text field. Each decision already logged becomes a
-- batch of one under its own id, so none is lost (retention ages them out as
-- before). Their text fields lose the two separator characters (U+001E and
-- U+001F, which become U+FFFD), as new decisions do.
DROP INDEX "DecisionLog_orgId_createdAt_idx";
DROP INDEX "DecisionLog_orgId_principalId_createdAt_idx";

-- (New columns, not a renamed one: PostgreSQL 18 names a NOT NULL constraint
-- after its column when it is made, and keeps the name through a rename.)
ALTER TABLE "DecisionLog" ADD COLUMN "firstAt" TIMESTAMPTZ(3),
  ADD COLUMN "lastAt" TIMESTAMPTZ(3),
  ADD COLUMN "size" INTEGER,
  ADD COLUMN "principalIds" TEXT[],
  ADD COLUMN "entries" TEXT;
UPDATE "DecisionLog" SET "firstAt" = "createdAt", "lastAt" = "createdAt", "size" = 1,
  "principalIds" = ARRAY[translate("principalId", chr(30) || chr(31), chr(65533) || chr(65533))],
  "entries" = concat_ws(chr(31), translate("principalId", chr(30) || chr(31), chr(65533) || chr(65533)), (extract(epoch FROM "createdAt") * 1000)::bigint, "principalType",
    translate("permission", chr(30) || chr(31), chr(65533) || chr(65533)), "resourceType", translate("resourceId", chr(30) || chr(31), chr(65533) || chr(65533)),
    CASE WHEN "allowed" THEN 't' ELSE 'f' END, translate("reason", chr(30) || chr(31), chr(65533) || chr(65533)), "latencyUs", "source");
ALTER TABLE "DecisionLog" ALTER COLUMN "firstAt" SET NOT NULL, ALTER COLUMN "lastAt" SET NOT NULL, ALTER COLUMN "size" SET NOT NULL, ALTER COLUMN "entries" SET NOT NULL,
  DROP COLUMN "createdAt", DROP COLUMN "principalType", DROP COLUMN "principalId", DROP COLUMN "permission", DROP COLUMN "resourceType", DROP COLUMN "resourceId",
  DROP COLUMN "allowed", DROP COLUMN "reason", DROP COLUMN "latencyUs", DROP COLUMN "source";

CREATE INDEX "DecisionLog_orgId_lastAt_id_idx" ON "DecisionLog"("orgId", "lastAt" DESC, "id" DESC);
CREATE INDEX "DecisionLog_principalIds_idx" ON "DecisionLog" USING GIN ("principalIds");
