-- CreateTable
CREATE TABLE "InvitationGrant" (
    "id" UUID NOT NULL,
    "invitationId" UUID NOT NULL,
    "roleId" UUID NOT NULL,
    "projectId" UUID NOT NULL,

    CONSTRAINT "InvitationGrant_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "InvitationGrant_invitationId_roleId_projectId_key" ON "InvitationGrant"("invitationId", "roleId", "projectId");

-- AddForeignKey
ALTER TABLE "InvitationGrant" ADD CONSTRAINT "InvitationGrant_invitationId_fkey" FOREIGN KEY ("invitationId") REFERENCES "Invitation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvitationGrant" ADD CONSTRAINT "InvitationGrant_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvitationGrant" ADD CONSTRAINT "InvitationGrant_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
