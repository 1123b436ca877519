-- CreateTable
CREATE TABLE "ApiKeyDailyUsage" (
    "keyId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "requests" BIGINT NOT NULL DEFAULT 0,
    "refusals" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ApiKeyDailyUsage_pkey" PRIMARY KEY ("keyId","day")
);

-- CreateIndex
CREATE INDEX "ApiKeyDailyUsage_day_idx" ON "ApiKeyDailyUsage"("day");

-- AddForeignKey
ALTER TABLE "ApiKeyDailyUsage" ADD CONSTRAINT "ApiKeyDailyUsage_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
