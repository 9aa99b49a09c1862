-- Write the VersionDailyStatistics rows of the given groups from their state
-- (analytics."VersionStatisticsState"): counts, mean latency (exact, from the
-- numeric sum), percentiles (analytics.latency_percentiles), custom success
-- when the assistant has SuccessCriteria. A row keeps its createdAt; updatedAt
-- moves only when a value changes; a group left without sessions loses its
-- row, its state, its samples and its histogram. Returns how many groups
-- were written or removed.
CREATE OR REPLACE FUNCTION analytics.publish_version_statistics(p_group_ids bigint[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_groups integer;
BEGIN
  -- The rows written reference SuccessCriteria, whose deletion sets them to
  -- NULL: take the criteria rows first, as a DELETE of criteria does, so the
  -- two never wait on each other in opposite orders (a deadlock).
  PERFORM 1 FROM "SuccessCriteria" AS sc
  WHERE sc."assistantName" IN (SELECT st."assistantName" FROM "VersionStatisticsState" AS st WHERE st."groupId" = ANY (p_group_ids))
  ORDER BY sc."id"
  FOR KEY SHARE OF sc;

  WITH state AS MATERIALIZED (
    SELECT st.* FROM "VersionStatisticsState" AS st WHERE st."groupId" = ANY (p_group_ids)
  ),
  -- materialized: each row's percentiles are computed once, not once per
  -- column that reads them
  computed AS MATERIALIZED (
    SELECT st."date", st."assistantName", st."channelName", st."version", st."sessions",
           st."sessions" - st."escalated" AS "automated", st."escalated",
           CASE WHEN st."latencyCount" > 0 THEN (st."latencySum" / st."latencyCount")::double precision END AS "average",
           analytics.latency_percentiles(st."groupId", st."latencyCount") AS "percentiles",
           st."satisfied", st."unsatisfied", st."unanswered",
           CASE WHEN sc."id" IS NOT NULL THEN st."succeeded" END AS "success",
           CASE WHEN sc."id" IS NOT NULL THEN st."sessions" - st."succeeded" END AS "failure",
           sc."id" AS "criteriaId"
    FROM state AS st
    LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = st."assistantName"
    WHERE st."sessions" > 0
  ),
  upserted AS (
    INSERT INTO "VersionDailyStatistics" AS v (
      "date", "assistantName", "channelName", "version", "totalSessions", "automatedCount",
      "escalatedCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs", "p99LatencyMs",
      "csatSatisfied", "csatUnsatisfied", "csatUnanswered", "customSuccessCount",
      "customFailureCount", "successCriteriaId")
    SELECT c."date", c."assistantName", c."channelName", c."version", c."sessions", c."automated",
           c."escalated", c."average", c."percentiles"[1], c."percentiles"[2], c."percentiles"[3],
           c."satisfied", c."unsatisfied", c."unanswered", c."success", c."failure", c."criteriaId"
    FROM computed AS c
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "totalSessions" = excluded."totalSessions",
      "automatedCount" = excluded."automatedCount",
      "escalatedCount" = excluded."escalatedCount",
      "averageLatencyMs" = excluded."averageLatencyMs",
      "p50LatencyMs" = excluded."p50LatencyMs",
      "p95LatencyMs" = excluded."p95LatencyMs",
      "p99LatencyMs" = excluded."p99LatencyMs",
      "csatSatisfied" = excluded."csatSatisfied",
      "csatUnsatisfied" = excluded."csatUnsatisfied",
      "csatUnanswered" = excluded."csatUnanswered",
      "customSuccessCount" = excluded."customSuccessCount",
      "customFailureCount" = excluded."customFailureCount",
      "successCriteriaId" = excluded."successCriteriaId",
      "updatedAt" = now()
    WHERE (v."totalSessions", v."automatedCount", v."escalatedCount", v."averageLatencyMs",
           v."p50LatencyMs", v."p95LatencyMs", v."p99LatencyMs", v."csatSatisfied",
           v."csatUnsatisfied", v."csatUnanswered", v."customSuccessCount",
           v."customFailureCount", v."successCriteriaId")
          IS DISTINCT FROM
          (excluded."totalSessions", excluded."automatedCount", excluded."escalatedCount",
           excluded."averageLatencyMs", excluded."p50LatencyMs", excluded."p95LatencyMs",
           excluded."p99LatencyMs", excluded."csatSatisfied", excluded."csatUnsatisfied",
           excluded."csatUnanswered", excluded."customSuccessCount",
           excluded."customFailureCount", excluded."successCriteriaId")
  ),
  emptied AS (
    DELETE FROM "VersionDailyStatistics" AS v
    USING state AS st
    WHERE st."sessions" <= 0
      AND v."date" = st."date" AND v."assistantName" = st."assistantName"
      AND v."channelName" = st."channelName" AND v."version" = st."version"
  ),
  forgotten AS (
    DELETE FROM "VersionStatisticsState" AS st
    WHERE st."groupId" = ANY (p_group_ids) AND st."sessions" <= 0
    RETURNING st."groupId"
  ),
  -- their samples and histogram (no foreign key cascades to them: its check
  -- on every sample the fold inserts cost more than the insert)
  forgotten_samples AS (
    DELETE FROM "LatencySample" AS s USING forgotten AS f WHERE s."groupId" = f."groupId"
  ),
  forgotten_buckets AS (
    DELETE FROM "LatencyBucket" AS b USING forgotten AS f WHERE b."groupId" = f."groupId"
  )
  SELECT count(*) INTO v_groups FROM state;
  RETURN v_groups;
END;
$$;
