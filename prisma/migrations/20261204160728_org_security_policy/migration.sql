-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "mfaRequired" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "sessionIdleMinutes" INTEGER,
ADD COLUMN     "sessionMaxHours" INTEGER;
