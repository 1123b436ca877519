-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "stripeCustomerId" TEXT;

-- AlterTable
ALTER TABLE "Plan" ADD COLUMN     "fallbackEntitlements" JSONB;

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "pastDueSince" TIMESTAMPTZ(3),
ADD COLUMN     "stripeEventAt" TIMESTAMPTZ(3),
ADD COLUMN     "stripeSubscriptionId" TEXT;

-- CreateTable
CREATE TABLE "Invoice" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "planKey" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "subtotal" INTEGER NOT NULL,
    "creditsApplied" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "number" TEXT,
    "stripeInvoiceId" TEXT,
    "hostedInvoiceUrl" TEXT,
    "stripeEventAt" TIMESTAMPTZ(3),
    "sendAttempts" INTEGER NOT NULL DEFAULT 0,
    "sentAt" TIMESTAMPTZ(3),
    "paidAt" TIMESTAMPTZ(3),
    "paymentFailedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InvoiceLine" (
    "id" UUID NOT NULL,
    "invoiceId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "meterId" UUID,
    "meterKey" TEXT,
    "servicePeriodStart" TIMESTAMPTZ(3) NOT NULL,
    "servicePeriodEnd" TIMESTAMPTZ(3) NOT NULL,
    "description" TEXT NOT NULL,
    "quantity" TEXT,
    "amount" INTEGER NOT NULL,
    "pricing" JSONB,
    "creditGrantId" UUID,
    "stripeInvoiceItemId" TEXT,

    CONSTRAINT "InvoiceLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CreditGrant" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "remaining" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3),
    "voidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreditGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StripeEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "payload" JSONB NOT NULL,

    CONSTRAINT "StripeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_stripeInvoiceId_key" ON "Invoice"("stripeInvoiceId");

-- CreateIndex
CREATE INDEX "Invoice_status_idx" ON "Invoice"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_orgId_periodStart_key" ON "Invoice"("orgId", "periodStart");

-- CreateIndex
CREATE INDEX "InvoiceLine_meterId_servicePeriodStart_idx" ON "InvoiceLine"("meterId", "servicePeriodStart");

-- CreateIndex
CREATE INDEX "InvoiceLine_creditGrantId_idx" ON "InvoiceLine"("creditGrantId");

-- CreateIndex
CREATE UNIQUE INDEX "InvoiceLine_invoiceId_position_key" ON "InvoiceLine"("invoiceId", "position");

-- CreateIndex
CREATE INDEX "CreditGrant_orgId_createdAt_idx" ON "CreditGrant"("orgId", "createdAt");

-- CreateIndex
CREATE INDEX "StripeEvent_processedAt_receivedAt_idx" ON "StripeEvent"("processedAt", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_stripeCustomerId_key" ON "Organization"("stripeCustomerId");

-- CreateIndex
CREATE UNIQUE INDEX "Subscription_stripeSubscriptionId_key" ON "Subscription"("stripeSubscriptionId");

-- AddForeignKey
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_invoiceId_fkey" FOREIGN KEY ("invoiceId") REFERENCES "Invoice"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditGrant" ADD CONSTRAINT "CreditGrant_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- Checks: statuses and kinds from a fixed list, money that adds up
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_status_check" CHECK ("status" IN ('draft', 'open', 'paid', 'void', 'uncollectible'));
ALTER TABLE "Invoice" ADD CONSTRAINT "Invoice_total_check" CHECK ("total" = "subtotal" - "creditsApplied" AND "creditsApplied" >= 0);
ALTER TABLE "InvoiceLine" ADD CONSTRAINT "InvoiceLine_kind_check" CHECK ("kind" IN ('base', 'usage', 'correction', 'credit'));
ALTER TABLE "CreditGrant" ADD CONSTRAINT "CreditGrant_kind_check" CHECK ("kind" IN ('prepaid', 'promotional'));
ALTER TABLE "CreditGrant" ADD CONSTRAINT "CreditGrant_amount_check" CHECK ("amount" > 0 AND "remaining" >= 0 AND "remaining" <= "amount");

-- Events per organization and month (UTC), kept by the fold with the rollups: what plan limits on events a month read
CREATE TABLE usage.org_month (
  org_id uuid NOT NULL,
  month timestamptz NOT NULL,
  events bigint NOT NULL,
  PRIMARY KEY (org_id, month)
);

-- The events folded before this table existed
INSERT INTO usage.org_month (org_id, month, events)
SELECT org_id, date_trunc('month', ts, 'UTC'), count(*) FROM usage.event
WHERE xid < (SELECT watermark FROM usage.fold_state WHERE id = 1)
GROUP BY 1, 2;
