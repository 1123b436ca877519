-- AlterTable
ALTER TABLE "Meter" ADD COLUMN     "countsFromXid" BIGINT NOT NULL DEFAULT 0;
