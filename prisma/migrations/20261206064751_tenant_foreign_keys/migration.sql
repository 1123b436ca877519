-- A grant or key may only name a group, key or project of its own organization. The code has always
-- refused anything else, so no row should break the new keys. Any that does crossed tenants and is removed
-- (a grant or key that could only ever give more than its organization holds).
DELETE FROM "Grant" g USING "Project" p WHERE g."projectId" = p.id AND p."orgId" <> g."orgId";
DELETE FROM "Grant" g USING "Group" gr WHERE g."groupId" = gr.id AND gr."orgId" <> g."orgId";
DELETE FROM "Grant" g USING "ApiKey" k WHERE g."apiKeyId" = k.id AND k."orgId" IS DISTINCT FROM g."orgId";
DELETE FROM "ApiKey" k USING "Project" p WHERE k."projectId" = p.id AND k."orgId" IS DISTINCT FROM p."orgId";

-- DropForeignKey
ALTER TABLE "Grant" DROP CONSTRAINT "Grant_groupId_fkey";

-- DropForeignKey
ALTER TABLE "Grant" DROP CONSTRAINT "Grant_apiKeyId_fkey";

-- DropForeignKey
ALTER TABLE "Grant" DROP CONSTRAINT "Grant_projectId_fkey";

-- DropForeignKey
ALTER TABLE "ApiKey" DROP CONSTRAINT "ApiKey_projectId_fkey";

-- CreateIndex
CREATE UNIQUE INDEX "Project_id_orgId_key" ON "Project"("id", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "Group_id_orgId_key" ON "Group"("id", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_id_orgId_key" ON "ApiKey"("id", "orgId");

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_groupId_orgId_fkey" FOREIGN KEY ("groupId", "orgId") REFERENCES "Group"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_apiKeyId_orgId_fkey" FOREIGN KEY ("apiKeyId", "orgId") REFERENCES "ApiKey"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "Grant" ADD CONSTRAINT "Grant_projectId_orgId_fkey" FOREIGN KEY ("projectId", "orgId") REFERENCES "Project"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_projectId_orgId_fkey" FOREIGN KEY ("projectId", "orgId") REFERENCES "Project"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;

-- An instance key (no organization) names no project: with no orgId, the key above would not be checked (MATCH SIMPLE).
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_project_needs_org" CHECK ("orgId" IS NOT NULL OR "projectId" IS NULL);
