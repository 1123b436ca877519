-- DropForeignKey
ALTER TABLE "InvitationGrant" DROP CONSTRAINT "InvitationGrant_invitationId_fkey";

-- DropForeignKey
ALTER TABLE "InvitationGrant" DROP CONSTRAINT "InvitationGrant_projectId_fkey";

-- AlterTable: the invitation's organization, then a project role of another organization's project is removed
-- (the code has always refused one, so none should exist), then the column is required.
ALTER TABLE "InvitationGrant" ADD COLUMN "orgId" UUID;
UPDATE "InvitationGrant" ig SET "orgId" = i."orgId" FROM "Invitation" i WHERE i.id = ig."invitationId";
DELETE FROM "InvitationGrant" ig USING "Project" p WHERE p.id = ig."projectId" AND p."orgId" <> ig."orgId";
ALTER TABLE "InvitationGrant" ALTER COLUMN "orgId" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Invitation_id_orgId_key" ON "Invitation"("id", "orgId");

-- AddForeignKey
ALTER TABLE "InvitationGrant" ADD CONSTRAINT "InvitationGrant_invitationId_orgId_fkey" FOREIGN KEY ("invitationId", "orgId") REFERENCES "Invitation"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "InvitationGrant" ADD CONSTRAINT "InvitationGrant_projectId_orgId_fkey" FOREIGN KEY ("projectId", "orgId") REFERENCES "Project"("id", "orgId") ON DELETE CASCADE ON UPDATE NO ACTION;
