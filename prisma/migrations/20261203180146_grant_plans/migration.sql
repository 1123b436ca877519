-- AlterTable
ALTER TABLE "Grant" ADD COLUMN     "plans" TEXT[] DEFAULT ARRAY[]::TEXT[];
