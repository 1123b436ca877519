-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "apiKeyMaxLifetimeDays" INTEGER,
ADD COLUMN     "apiKeyRateLimitPerDay" INTEGER,
ADD COLUMN     "apiKeyRateLimitPerSecond" INTEGER,
ADD COLUMN     "apiKeyRequireExpiry" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "ipAllowList" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "lastUsedIp" TEXT,
ADD COLUMN     "previousSecretExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "previousSecretHash" TEXT,
ADD COLUMN     "rateLimitPerDay" INTEGER,
ADD COLUMN     "rateLimitPerSecond" INTEGER,
ADD COLUMN     "requestCount" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "rotatedAt" TIMESTAMPTZ(3);

-- CreateTable
-- Counters are cheap to lose (a crash only resets the current windows), so skip the WAL.
CREATE UNLOGGED TABLE "RateLimitCounter" (
    "bucket" TEXT NOT NULL,
    "windowStart" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RateLimitCounter_pkey" PRIMARY KEY ("bucket","windowStart")
);

-- CreateIndex
CREATE INDEX "RateLimitCounter_expiresAt_idx" ON "RateLimitCounter"("expiresAt");
