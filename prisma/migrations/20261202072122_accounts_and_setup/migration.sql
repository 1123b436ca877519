-- AlterTable
ALTER TABLE "User" ADD COLUMN     "emailVerifiedAt" TIMESTAMPTZ(3),
ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'sign_up';

-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "invitedByApiKeyId" UUID;

-- CreateTable
CREATE TABLE "EmailToken" (
    "id" UUID NOT NULL,
    "purpose" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "userId" UUID,
    "name" TEXT,
    "passwordHash" TEXT,
    "nextPath" TEXT,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SetupToken" (
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SetupToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE UNIQUE INDEX "EmailToken_tokenHash_key" ON "EmailToken"("tokenHash");

-- CreateIndex
CREATE INDEX "EmailToken_email_purpose_idx" ON "EmailToken"("email", "purpose");

-- CreateIndex
CREATE INDEX "EmailToken_userId_idx" ON "EmailToken"("userId");

-- AddForeignKey
ALTER TABLE "EmailToken" ADD CONSTRAINT "EmailToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Accounts made before this change: those without a password were made by provisioning.
-- No existing address counts as verified: owners confirm theirs from the account page.
UPDATE "User" SET "origin" = 'provisioning' WHERE "passwordHash" IS NULL;

-- Dates are now bounded to the years 1970-9999. Later ones stored before the
-- bound meant "as good as never": they become the last moment of 9999.
UPDATE "Grant" SET "validUntil" = '9999-12-31 23:59:59.999+00' WHERE "validUntil" > '9999-12-31 23:59:59.999+00';
UPDATE "ApiKey" SET "expiresAt" = '9999-12-31 23:59:59.999+00' WHERE "expiresAt" > '9999-12-31 23:59:59.999+00';
