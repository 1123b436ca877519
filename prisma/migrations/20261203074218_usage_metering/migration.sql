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

-- usage:write became an instance permission (usage keys): no organization role or key holds it.
UPDATE "Role" SET "permissions" = array_remove("permissions", 'usage:write') WHERE 'usage:write' = ANY("permissions");
UPDATE "ApiKey" SET "permissions" = array_remove("permissions", 'usage:write') WHERE "orgId" IS NOT NULL AND 'usage:write' = ANY("permissions");
ALTER TABLE "Meter" ADD CONSTRAINT "Meter_aggregation_check" CHECK ("aggregation" IN ('count', 'sum', 'max', 'unique_count', 'latest'));
ALTER TABLE "Meter" ADD CONSTRAINT "Meter_value_check" CHECK (("aggregation" = 'count') = ("valueProperty" IS NULL));

-- The usage event store (lib/usage/event-store.ts): raw events partitioned by
-- month of their timestamp, the ids that make a repeat a duplicate, and hourly
-- rollups that a folding loop keeps up to date from the events.
CREATE SCHEMA usage;

-- One row per accepted event id and organization, committed with the event.
-- Ids compare byte by byte (COLLATE "C"): they are keys, not words, and a
-- locale's collation would cost every index probe.
CREATE TABLE usage.event_id (
  org_id uuid NOT NULL,
  id text COLLATE "C" NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX event_id_received_at ON usage.event_id USING brin (received_at);

-- xid: the transaction that stored the event. Every event below the folding
-- watermark is in the rollups, every one at or above it is not yet.
CREATE TABLE usage.event (
  org_id uuid NOT NULL,
  id text COLLATE "C" NOT NULL,
  type text NOT NULL,
  ts timestamptz NOT NULL,
  properties jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)
) PARTITION BY RANGE (ts);
CREATE INDEX event_xid ON usage.event USING brin (xid);
CREATE INDEX event_ts ON usage.event USING brin (ts);

-- Events with xid below the watermark have been folded into the rollups.
CREATE TABLE usage.fold_state (
  id int PRIMARY KEY CHECK (id = 1),
  watermark bigint NOT NULL
);
INSERT INTO usage.fold_state (id, watermark) VALUES (1, 0);

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
  latest_id text COLLATE "C",
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
  value text COLLATE "C" NOT NULL,
  PRIMARY KEY (org_id, meter_id, hour, dims, value)
);
CREATE INDEX rollup_value_meter ON usage.rollup_value (meter_id);

-- Month partitions of usage.event are made by the app when first needed (lib/usage/event-store.ts):
-- the migration engine splits its input at every semicolon, so no function body can live here.
