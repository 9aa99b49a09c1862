-- migrate:up
-- The fold inserts a LatencySample and often a LatencyBucket row per latency
-- sample; each foreign key check on them ran as a query of its own (1,500 in
-- one refresh of 10,000 events). Only the statistics functions write these
-- tables, and analytics.publish_version_statistics deletes a forgotten
-- group's samples and histogram with its state.
ALTER TABLE analytics."LatencySample" DROP CONSTRAINT "LatencySample_groupId_fkey";
ALTER TABLE analytics."LatencyBucket" DROP CONSTRAINT "LatencyBucket_groupId_fkey";

-- migrate:down
DELETE FROM analytics."LatencySample" AS s
WHERE NOT EXISTS (SELECT FROM analytics."VersionStatisticsState" AS st WHERE st."groupId" = s."groupId");
DELETE FROM analytics."LatencyBucket" AS b
WHERE NOT EXISTS (SELECT FROM analytics."VersionStatisticsState" AS st WHERE st."groupId" = b."groupId");
ALTER TABLE analytics."LatencySample" ADD CONSTRAINT "LatencySample_groupId_fkey"
  FOREIGN KEY ("groupId") REFERENCES analytics."VersionStatisticsState" ("groupId") ON DELETE CASCADE;
ALTER TABLE analytics."LatencyBucket" ADD CONSTRAINT "LatencyBucket_groupId_fkey"
  FOREIGN KEY ("groupId") REFERENCES analytics."VersionStatisticsState" ("groupId") ON DELETE CASCADE;
