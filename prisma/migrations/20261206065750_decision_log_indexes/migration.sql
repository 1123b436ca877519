-- DropIndex
DROP INDEX "DecisionLog_orgId_createdAt_idx";

-- DropIndex
DROP INDEX "DecisionLog_orgId_principalId_createdAt_idx";

-- AlterTable
ALTER TABLE "DecisionLog" DROP CONSTRAINT "DecisionLog_pkey",
ADD CONSTRAINT "DecisionLog_pkey" PRIMARY KEY ("orgId", "id");

-- CreateIndex
CREATE INDEX "DecisionLog_orgId_principalId_id_idx" ON "DecisionLog"("orgId", "principalId", "id" DESC);

-- CreateIndex
CREATE INDEX "DecisionLog_createdAt_idx" ON "DecisionLog" USING BRIN ("createdAt");
