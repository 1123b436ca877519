-- AlterTable
ALTER TABLE "SsoConnection" ADD COLUMN     "groupsClaim" TEXT;

-- CreateTable
CREATE TABLE "SsoGroupMapping" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "idpGroup" TEXT NOT NULL,
    "groupId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SsoGroupMapping_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SsoGroupMapping_groupId_idx" ON "SsoGroupMapping"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "SsoGroupMapping_connectionId_idpGroup_groupId_key" ON "SsoGroupMapping"("connectionId", "idpGroup", "groupId");

-- AddForeignKey
ALTER TABLE "SsoGroupMapping" ADD CONSTRAINT "SsoGroupMapping_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "SsoConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SsoGroupMapping" ADD CONSTRAINT "SsoGroupMapping_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE CASCADE ON UPDATE CASCADE;
