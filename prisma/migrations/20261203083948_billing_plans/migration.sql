-- CreateTable
CREATE TABLE "Plan" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "interval" TEXT NOT NULL,
    "baseFee" INTEGER NOT NULL,
    "trialDays" INTEGER NOT NULL DEFAULT 0,
    "entitlements" JSONB NOT NULL DEFAULT '{}',
    "archivedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanPrice" (
    "id" UUID NOT NULL,
    "planId" UUID NOT NULL,
    "meterId" UUID NOT NULL,
    "pricing" JSONB NOT NULL,

    CONSTRAINT "PlanPrice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Plan_key_key" ON "Plan"("key");

-- CreateIndex
CREATE INDEX "PlanPrice_meterId_idx" ON "PlanPrice"("meterId");

-- CreateIndex
CREATE UNIQUE INDEX "PlanPrice_planId_meterId_key" ON "PlanPrice"("planId", "meterId");

-- AddForeignKey
ALTER TABLE "PlanPrice" ADD CONSTRAINT "PlanPrice_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanPrice" ADD CONSTRAINT "PlanPrice_meterId_fkey" FOREIGN KEY ("meterId") REFERENCES "Meter"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Written by hand: Prisma cannot describe these.
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_interval_check" CHECK ("interval" IN ('month', 'year'));
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_currency_check" CHECK ("currency" ~ '^[a-z]{3}$');
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_amounts_check" CHECK ("baseFee" >= 0 AND "trialDays" >= 0);
