-- CreateTable
CREATE TABLE "InstanceSetting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedById" UUID,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InstanceSetting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "StripeMeterReport" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "meterId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "value" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StripeMeterReport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "StripeMeterReport_identifier_key" ON "StripeMeterReport"("identifier");

-- CreateIndex
CREATE INDEX "StripeMeterReport_orgId_meterId_hour_idx" ON "StripeMeterReport"("orgId", "meterId", "hour");

-- CreateIndex
CREATE INDEX "StripeMeterReport_sentAt_idx" ON "StripeMeterReport"("sentAt");

-- AddForeignKey
ALTER TABLE "StripeMeterReport" ADD CONSTRAINT "StripeMeterReport_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
