-- migrate:up
-- Daily statistics maintained from deltas (docs/performance.md, "Incremental
-- statistics"). The merge knows the old and new state of every conversation
-- it changes; it appends what that changes in each statistics group to the
-- delta queues below (append-only: writers never contend on a counter row),
-- and the single refresher folds the queues into the groups' state. A refresh
-- then costs what changed, not the size of the day.

-- What one batch (or rebuild) changed, per group. A conversation's old state
-- counts -1, its new state +1.
CREATE TABLE analytics."VersionStatisticsDelta" (
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "channelName"   text NOT NULL,
  "version"       text NOT NULL,
  "sessions"      integer NOT NULL,
  "escalated"     integer NOT NULL,
  "satisfied"     integer NOT NULL,
  "unsatisfied"   integer NOT NULL,
  "unanswered"    integer NOT NULL,
  "succeeded"     integer NOT NULL,  -- against the assistant's SuccessCriteria when queued
  "latencyCount"  integer NOT NULL,
  "latencySum"    numeric NOT NULL
);
CREATE TABLE analytics."LatencySampleDelta" (
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "channelName"   text NOT NULL,
  "version"       text NOT NULL,
  "ms"            double precision NOT NULL,
  "n"             integer NOT NULL  -- how many samples of that value come (+) or go (-)
);
CREATE TABLE analytics."FlowStatisticsDelta" (
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "flowName"      text NOT NULL,
  "sessions"      integer NOT NULL,
  "automated"     integer NOT NULL,
  "escalated"     integer NOT NULL
);

-- The running state of each VersionDailyStatistics group: its counts, and
-- what the latency figures need (exact sum and count for the mean; every
-- sample value with its multiplicity, and a histogram of them, for the
-- percentiles).
CREATE TABLE analytics."VersionStatisticsState" (
  "groupId"       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "channelName"   text NOT NULL,
  "version"       text NOT NULL,
  "sessions"      integer NOT NULL DEFAULT 0,
  "escalated"     integer NOT NULL DEFAULT 0,
  "satisfied"     integer NOT NULL DEFAULT 0,
  "unsatisfied"   integer NOT NULL DEFAULT 0,
  "unanswered"    integer NOT NULL DEFAULT 0,
  "succeeded"     integer NOT NULL DEFAULT 0,
  "latencyCount"  bigint NOT NULL DEFAULT 0,
  "latencySum"    numeric NOT NULL DEFAULT 0,
  UNIQUE ("date", "assistantName", "channelName", "version")
);
COMMENT ON TABLE analytics."VersionStatisticsState" IS 'Internal: running counts of each VersionDailyStatistics group, folded from analytics."VersionStatisticsDelta".';

CREATE TABLE analytics."LatencySample" (
  "groupId" bigint NOT NULL REFERENCES analytics."VersionStatisticsState" ("groupId") ON DELETE CASCADE,
  "bucket"  integer NOT NULL,  -- analytics.latency_bucket("ms")
  "ms"      double precision NOT NULL,
  "n"       integer NOT NULL,
  PRIMARY KEY ("groupId", "bucket", "ms")
);
COMMENT ON TABLE analytics."LatencySample" IS 'Internal: the latency samples of a statistics group, one row per value with its multiplicity, for exact percentiles.';

-- How many samples of a group fall in each bucket: the k-th sample is found
-- by walking these counts, then reading one bucket's samples.
CREATE TABLE analytics."LatencyBucket" (
  "groupId" bigint NOT NULL REFERENCES analytics."VersionStatisticsState" ("groupId") ON DELETE CASCADE,
  "bucket"  integer NOT NULL,
  "n"       bigint NOT NULL,
  PRIMARY KEY ("groupId", "bucket")
);
COMMENT ON TABLE analytics."LatencyBucket" IS 'Internal: a histogram of each statistics group''s latency samples.';

-- How long the last refresh took (operators and the bench's busy-day run read it).
ALTER TABLE analytics."RefreshLog" ADD COLUMN "lastDurationMs" double precision;

-- The state of the groups that exist now is built once from "Conversation",
-- by the refresh this queue entry asks for.
INSERT INTO analytics."DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
SELECT v."assistantName", v."date", v."channelName", v."version" FROM public."VersionDailyStatistics" AS v;

-- migrate:down
ALTER TABLE analytics."RefreshLog" DROP COLUMN "lastDurationMs";
DROP TABLE analytics."LatencyBucket", analytics."LatencySample", analytics."VersionStatisticsState",
  analytics."FlowStatisticsDelta", analytics."LatencySampleDelta", analytics."VersionStatisticsDelta";
