-- AlterTable
ALTER TABLE "Plan" ADD COLUMN     "selfServe" BOOLEAN NOT NULL DEFAULT false;
