-- CreateTable
CREATE TABLE "LimitAlert" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "limit" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "used" BIGINT NOT NULL,
    "max" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LimitAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LimitAlert_orgId_limit_threshold_period_key" ON "LimitAlert"("orgId", "limit", "threshold", "period");

-- AddForeignKey
ALTER TABLE "LimitAlert" ADD CONSTRAINT "LimitAlert_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
