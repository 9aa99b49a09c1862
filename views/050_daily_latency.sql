-- DailyLatency: how fast the assistant answered, one row per day and assistant
-- (days without any answered user message have no row).
-- A latency sample is the time from a user message to the first bot message at
-- or after it in the same session; a session's samples count on the day the
-- session started (assistant timezone).
--   sampleCount                          user messages that got an answer
--   averageLatencyMs                     their mean, in milliseconds
--   p50LatencyMs, p95LatencyMs, p99LatencyMs  percentile_cont over the day's samples:
--                                        half, 95 % and 99 % of the answers came faster
-- Percentiles cannot be combined from the per-channel, per-version values of
-- VersionDailyStatistics, so this view recomputes them from the samples kept per
-- session (Conversation."latencySamplesMs"); filter on "date" and
-- "assistantName" so only those days' sessions are read. For other groupings
-- (a week, a channel) compute percentile_cont over "LatencySamples".
CREATE OR REPLACE VIEW public."DailyLatency" AS
SELECT l."date",
       l."assistantName",
       l."sampleCount",
       l."averageLatencyMs",
       l."percentiles"[1] AS "p50LatencyMs",
       l."percentiles"[2] AS "p95LatencyMs",
       l."percentiles"[3] AS "p99LatencyMs"
FROM (
  SELECT c."statisticsDate" AS "date",
         c."assistantName",
         count(*) AS "sampleCount",
         avg(ms::numeric)::double precision AS "averageLatencyMs",
         percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS "percentiles"
  FROM public."Conversation" AS c
  CROSS JOIN LATERAL unnest(c."latencySamplesMs") AS ms
  GROUP BY c."statisticsDate", c."assistantName"
) AS l;

COMMENT ON VIEW public."DailyLatency" IS
  'One row per day and assistant: latency samples (user message to first bot reply, ms) of the sessions started that day, their average and p50/p95/p99 (percentile_cont), recomputed from Conversation.latencySamplesMs because percentiles of groups cannot be averaged.';
