-- Rebuild from "Conversation" the state of the VersionDailyStatistics groups
-- queued in analytics."DirtyVersionStatistics", and only those (recompute, a
-- SuccessCriteria change, a fold that found deltas counted against stale
-- criteria, a new installation), then write their rows
-- (analytics.publish_version_statistics). Deltas still queued for those groups
-- are dropped in the same statement that reads "Conversation", so both see the
-- same committed batches. Returns how many groups were rebuilt.
CREATE OR REPLACE FUNCTION analytics.refresh_version_statistics()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_ids bigint[];
  v_sample_ids bigint[];
  v_sample_ms double precision[];
  v_sample_n integer[];
BEGIN
  -- Assistants whose SuccessCriteria changed: every group they have state
  -- for. Listed here rather than by the change's trigger, so groups created
  -- by merges that committed after it are among them; groups still being
  -- created counted against the old criteria and their fold rebuilds them.
  WITH changed AS (
    DELETE FROM "DirtySuccessCriteria" RETURNING "assistantName"
  )
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT st."assistantName", st."date", st."channelName", st."version"
  FROM "VersionStatisticsState" AS st
  WHERE st."assistantName" IN (SELECT c."assistantName" FROM changed AS c);

  WITH dirty AS (
    DELETE FROM "DirtyVersionStatistics" RETURNING *
  ),
  grp AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."channelName", d."version" FROM dirty AS d
  ),
  dropped_delta AS (
    DELETE FROM "VersionStatisticsDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."channelName", d."version") = (g."assistantName", g."date", g."channelName", g."version")
  ),
  dropped_sample_delta AS (
    DELETE FROM "LatencySampleDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."channelName", d."version") = (g."assistantName", g."date", g."channelName", g."version")
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
  counted AS (
    SELECT g."assistantName", g."date", g."channelName", g."version",
           count(s."date")::integer AS "sessions",
           count(*) FILTER (WHERE s."escalatedAt" IS NOT NULL)::integer AS "escalated",
           count(*) FILTER (WHERE s."csatRating" = 'SATISFIED')::integer AS "satisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNSATISFIED')::integer AS "unsatisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNANSWERED')::integer AS "unanswered",
           count(*) FILTER (WHERE s."flowsStarted" @> sc."includedFlows"
                              AND NOT s."flowsStarted" && sc."excludedFlows")::integer AS "succeeded",
           coalesce(sum(cardinality(s."latencySamplesMs")), 0) AS "latencyCount",
           coalesce(sum((SELECT sum(ms::numeric) FROM unnest(s."latencySamplesMs") AS ms)), 0) AS "latencySum"
    FROM grp AS g
    LEFT JOIN session AS s USING ("assistantName", "date", "channelName", "version")
    LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = g."assistantName"
    GROUP BY g."assistantName", g."date", g."channelName", g."version"
  ),
  state AS (
    INSERT INTO "VersionStatisticsState" AS st ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "latencyCount", "latencySum")
    SELECT c."assistantName", c."date", c."channelName", c."version", c."sessions", c."escalated",
           c."satisfied", c."unsatisfied", c."unanswered", c."succeeded", c."latencyCount", c."latencySum"
    FROM counted AS c
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "sessions" = excluded."sessions",
      "escalated" = excluded."escalated",
      "satisfied" = excluded."satisfied",
      "unsatisfied" = excluded."unsatisfied",
      "unanswered" = excluded."unanswered",
      "succeeded" = excluded."succeeded",
      "latencyCount" = excluded."latencyCount",
      "latencySum" = excluded."latencySum"
    RETURNING st."groupId", st."assistantName", st."date", st."channelName", st."version"
  ),
  sample AS (
    SELECT st."groupId", ms, count(*)::integer AS "n"
    FROM state AS st
    JOIN session AS s USING ("assistantName", "date", "channelName", "version")
    CROSS JOIN LATERAL unnest(s."latencySamplesMs") AS ms
    GROUP BY st."groupId", ms
  )
  SELECT (SELECT array_agg(st."groupId") FROM state AS st),
         array_agg(s."groupId"), array_agg(s.ms), array_agg(s."n")
  INTO v_ids, v_sample_ids, v_sample_ms, v_sample_n
  FROM sample AS s;

  IF v_ids IS NULL THEN
    RETURN 0;
  END IF;
  -- The groups' samples and histograms, replaced.
  DELETE FROM "LatencySample" WHERE "groupId" = ANY (v_ids);
  DELETE FROM "LatencyBucket" WHERE "groupId" = ANY (v_ids);
  INSERT INTO "LatencySample" ("groupId", "bucket", "ms", "n")
  SELECT s."groupId", analytics.latency_bucket(s."ms"), s."ms", s."n"
  FROM unnest(v_sample_ids, v_sample_ms, v_sample_n) AS s("groupId", "ms", "n");
  INSERT INTO "LatencyBucket" ("groupId", "bucket", "n")
  SELECT s."groupId", s."bucket", sum(s."n")
  FROM "LatencySample" AS s
  WHERE s."groupId" = ANY (v_ids)
  GROUP BY s."groupId", s."bucket";

  PERFORM analytics.publish_version_statistics(v_ids);
  RETURN cardinality(v_ids);
END;
$$;
