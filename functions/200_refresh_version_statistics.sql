-- Recompute the VersionDailyStatistics groups marked dirty, and only those:
-- one row per (date, assistantName, channelName, version) from the sessions
-- that count on that day. A row keeps its createdAt; updatedAt moves only when
-- a value changes; a group left without sessions loses its row.
-- Returns how many groups were recomputed.
CREATE OR REPLACE FUNCTION analytics.refresh_version_statistics()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_groups integer;
BEGIN
  WITH dirty AS (
    DELETE FROM "DirtyVersionStatistics" RETURNING *
  ),
  grp AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."channelName", d."version" FROM dirty AS d
  ),
  -- the sessions of each dirty group, found through the group index (LATERAL
  -- with OFFSET 0, which the planner cannot flatten into a join over all of
  -- "Conversation", keeps the cost proportional to the groups, however long
  -- the history)
  session AS MATERIALIZED (
    SELECT g."assistantName", g."date", g."channelName", g."version",
           c."escalatedAt", c."csatRating", c."flowsStarted", c."latencySamplesMs"
    FROM grp AS g
    CROSS JOIN LATERAL (
      SELECT c."escalatedAt", c."csatRating", c."flowsStarted", c."latencySamplesMs"
      FROM "Conversation" AS c
      WHERE c."assistantName" = g."assistantName" AND c."statisticsDate" = g."date"
        AND c."channelName" = g."channelName" AND c."assistantVersion" = g."version"
      OFFSET 0
    ) AS c
  ),
  counted AS MATERIALIZED (
    SELECT s."assistantName", s."date", s."channelName", s."version",
           count(*)::integer AS "totalSessions",
           count(*) FILTER (WHERE s."escalatedAt" IS NOT NULL)::integer AS "escalatedCount",
           count(*) FILTER (WHERE s."csatRating" = 'SATISFIED')::integer AS "csatSatisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNSATISFIED')::integer AS "csatUnsatisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNANSWERED')::integer AS "csatUnanswered",
           min(sc."id"::text)::uuid AS "successCriteriaId",
           (count(*) FILTER (WHERE s."flowsStarted" @> sc."includedFlows"
                               AND NOT s."flowsStarted" && sc."excludedFlows"))::integer AS "customSuccessCount"
    FROM session AS s
    LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = s."assistantName"
    GROUP BY s."assistantName", s."date", s."channelName", s."version"
  ),
  latency AS MATERIALIZED (
    -- avg over numeric: exact, so the result does not depend on row order.
    SELECT s."assistantName", s."date", s."channelName", s."version",
           avg(ms::numeric)::double precision AS "averageLatencyMs",
           percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms) AS "percentiles"
    FROM session AS s, unnest(s."latencySamplesMs") AS ms
    GROUP BY s."assistantName", s."date", s."channelName", s."version"
  ),
  upserted AS (
    INSERT INTO "VersionDailyStatistics" AS v (
      "date", "assistantName", "channelName", "version", "totalSessions", "automatedCount",
      "escalatedCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs", "p99LatencyMs",
      "csatSatisfied", "csatUnsatisfied", "csatUnanswered", "customSuccessCount",
      "customFailureCount", "successCriteriaId")
    SELECT c."date", c."assistantName", c."channelName", c."version", c."totalSessions",
           c."totalSessions" - c."escalatedCount", c."escalatedCount",
           l."averageLatencyMs", l."percentiles"[1], l."percentiles"[2], l."percentiles"[3],
           c."csatSatisfied", c."csatUnsatisfied", c."csatUnanswered",
           CASE WHEN c."successCriteriaId" IS NOT NULL THEN c."customSuccessCount" END,
           CASE WHEN c."successCriteriaId" IS NOT NULL THEN c."totalSessions" - c."customSuccessCount" END,
           c."successCriteriaId"
    FROM counted AS c
    LEFT JOIN latency AS l USING ("assistantName", "date", "channelName", "version")
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
    USING (SELECT g.* FROM grp AS g
           WHERE NOT EXISTS (
             SELECT 1 FROM counted AS c
             WHERE (c."assistantName", c."date", c."channelName", c."version")
                   = (g."assistantName", g."date", g."channelName", g."version"))) AS e
    WHERE v."date" = e."date" AND v."assistantName" = e."assistantName"
      AND v."channelName" = e."channelName" AND v."version" = e."version"
  )
  SELECT count(*) INTO v_groups FROM grp;
  RETURN v_groups;
END;
$$;
