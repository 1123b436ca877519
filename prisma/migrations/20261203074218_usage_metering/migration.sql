-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "externalId" TEXT;

-- CreateTable
CREATE TABLE "Meter" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "aggregation" TEXT NOT NULL,
    "valueProperty" TEXT,
    "filter" JSONB NOT NULL DEFAULT '{}',
    "groupBy" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Meter_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Meter_key_key" ON "Meter"("key");

-- CreateIndex
CREATE INDEX "Meter_eventType_idx" ON "Meter"("eventType");

-- CreateIndex
CREATE UNIQUE INDEX "Organization_externalId_key" ON "Organization"("externalId");

-- Written by hand from here: Prisma cannot describe these.
ALTER TABLE "Meter" ADD CONSTRAINT "Meter_aggregation_check" CHECK ("aggregation" IN ('count', 'sum', 'max', 'unique_count', 'latest'));
ALTER TABLE "Meter" ADD CONSTRAINT "Meter_value_check" CHECK (("aggregation" = 'count') = ("valueProperty" IS NULL));

-- The usage event store (lib/usage/event-store.ts): raw events partitioned by
-- month of their timestamp, the ids that make a repeat a duplicate, and
-- hourly rollups kept up to date by the statement that stores the events.
CREATE SCHEMA usage;

-- One row per accepted event id and organization, committed with the event.
CREATE TABLE usage.event_id (
  org_id uuid NOT NULL,
  id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX event_id_received_at ON usage.event_id (received_at);

CREATE TABLE usage.event (
  org_id uuid NOT NULL,
  id text NOT NULL,
  type text NOT NULL,
  ts timestamptz NOT NULL,
  properties jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (ts);
CREATE INDEX event_org_type_ts ON usage.event (org_id, type, ts);

-- Per organization, meter, hour and dimension values: events counted, sum and
-- max of their values, and the latest value (by timestamp, then id).
CREATE TABLE usage.rollup (
  org_id uuid NOT NULL,
  meter_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  dims jsonb NOT NULL,
  events bigint NOT NULL,
  total numeric NOT NULL,
  max numeric,
  latest numeric,
  latest_ts timestamptz,
  latest_id text,
  PRIMARY KEY (org_id, meter_id, hour, dims)
);
CREATE INDEX rollup_meter ON usage.rollup (meter_id);

-- The distinct values of unique_count meters, per hour: a period's count is
-- the number of distinct values over its hours.
CREATE TABLE usage.rollup_value (
  org_id uuid NOT NULL,
  meter_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  dims jsonb NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (org_id, meter_id, hour, dims, value)
);
CREATE INDEX rollup_value_meter ON usage.rollup_value (meter_id);
-- Month partitions of usage.event are made by the app when first needed (lib/usage/event-store.ts):
-- the migration engine splits its input at every semicolon, so no function body can live here.
