-- migrate:up
-- The fold counts and sums latency from the netted sample deltas
-- (analytics.fold_statistics_delta_groups): the version deltas' own latency
-- columns were always 0.
ALTER TABLE analytics."VersionStatisticsDelta" DROP COLUMN "latencyCount", DROP COLUMN "latencySum";

-- migrate:down
ALTER TABLE analytics."VersionStatisticsDelta"
  ADD COLUMN "latencyCount" integer NOT NULL DEFAULT 0,
  ADD COLUMN "latencySum" numeric NOT NULL DEFAULT 0;
