-- AlterTable
ALTER TABLE "User" ADD COLUMN     "externalId" TEXT;

-- AlterTable
ALTER TABLE "ApiKey" ALTER COLUMN "orgId" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "User_externalId_key" ON "User"("externalId");
