-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "mfaOrgId" UUID;
