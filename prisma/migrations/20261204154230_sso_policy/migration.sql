-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "ssoRequired" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Membership" ADD COLUMN     "ssoBypass" BOOLEAN NOT NULL DEFAULT false;
