-- Fold the delta queues (analytics.queue_statistics_deltas) into the daily
-- statistics, for the groups whose analytics.statistics_group_key is in
-- p_keys (NULL: every group): version groups into their state, then their
-- rows (analytics.publish_version_statistics); flow groups straight into
-- FlowDailyStatistics, whose counts are all the state a flow row needs. Each
-- queue is emptied and folded in one statement, so what it reads and what it
-- deletes is the same set of committed deltas. Cost: the deltas, and for each
-- group touched a walk of its latency histogram, not the size of its day.
-- A version group with a delta counted against other SuccessCriteria than
-- the assistant's current ones (its "criteriaGeneration") is not folded: it
-- goes to analytics."DirtyVersionStatistics", whose rebuild from
-- "Conversation" sees the merge and the criteria change both committed
-- (docs/decisions.md, "Success criteria changes").
-- Returns how many groups were touched. analytics.fold_statistics_deltas
-- calls it, and again group by group when a group fails.
CREATE OR REPLACE FUNCTION analytics.fold_statistics_delta_groups(p_keys text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_groups bigint[];
  v_empty_samples bigint[];
  v_empty_sample_buckets integer[];
  v_empty_sample_ms double precision[];
  v_empty_buckets bigint[];
  v_empty_bucket_ids integer[];
  v_empty_flows uuid[];
  v_flows integer;
BEGIN
  WITH version_delta AS (
    DELETE FROM "VersionStatisticsDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version") = ANY (p_keys)
    RETURNING d.*
  ),
  -- groups whose deltas counted custom success against criteria since
  -- changed: rebuilt instead of folded (version_sum leaves them out, so
  -- their sample deltas, deleted below, join no state and are not folded)
  stale AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."channelName", d."version"
    FROM version_delta AS d
    LEFT JOIN "SuccessCriteriaGeneration" AS cg ON cg."assistantName" = d."assistantName"
    WHERE d."criteriaGeneration" <> coalesce(cg."generation", 0)
  ),
  rebuild AS (
    INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
    SELECT g."assistantName", g."date", g."channelName", g."version" FROM stale AS g
  ),
  sample_delta AS (
    DELETE FROM "LatencySampleDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version") = ANY (p_keys)
    RETURNING d.*
  ),
  -- the latency count and exact sum come from the sample deltas
  sample_total AS (
    SELECT d."assistantName", d."date", d."channelName", d."version",
           sum(d."n") AS "latencyCount", sum(d."ms"::numeric * d."n") AS "latencySum"
    FROM sample_delta AS d
    GROUP BY d."assistantName", d."date", d."channelName", d."version"
  ),
  version_sum AS (
    SELECT v.*, coalesce(t."latencyCount", 0) AS "latencyCount", coalesce(t."latencySum", 0) AS "latencySum"
    FROM (SELECT d."assistantName", d."date", d."channelName", d."version",
                 sum(d."sessions") AS "sessions", sum(d."escalated") AS "escalated",
                 sum(d."satisfied") AS "satisfied", sum(d."unsatisfied") AS "unsatisfied",
                 sum(d."unanswered") AS "unanswered", sum(d."succeeded") AS "succeeded"
          FROM version_delta AS d
          WHERE NOT EXISTS (SELECT FROM stale AS g
                            WHERE (g."assistantName", g."date", g."channelName", g."version")
                                  = (d."assistantName", d."date", d."channelName", d."version"))
          GROUP BY d."assistantName", d."date", d."channelName", d."version") AS v
    LEFT JOIN sample_total AS t USING ("assistantName", "date", "channelName", "version")
  ),
  state AS (
    INSERT INTO "VersionStatisticsState" AS st ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "latencyCount", "latencySum")
    SELECT s."assistantName", s."date", s."channelName", s."version", s."sessions", s."escalated",
           s."satisfied", s."unsatisfied", s."unanswered", s."succeeded", s."latencyCount", s."latencySum"
    FROM version_sum AS s
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "sessions" = st."sessions" + excluded."sessions",
      "escalated" = st."escalated" + excluded."escalated",
      "satisfied" = st."satisfied" + excluded."satisfied",
      "unsatisfied" = st."unsatisfied" + excluded."unsatisfied",
      "unanswered" = st."unanswered" + excluded."unanswered",
      "succeeded" = st."succeeded" + excluded."succeeded",
      "latencyCount" = st."latencyCount" + excluded."latencyCount",
      "latencySum" = st."latencySum" + excluded."latencySum"
    RETURNING st."groupId", st."assistantName", st."date", st."channelName", st."version"
  ),
  sample_sum AS MATERIALIZED (
    SELECT st."groupId", analytics.latency_bucket(d."ms") AS "bucket", d."ms", sum(d."n")::integer AS "n"
    FROM sample_delta AS d
    JOIN state AS st USING ("assistantName", "date", "channelName", "version")
    GROUP BY st."groupId", d."ms"
    HAVING sum(d."n") <> 0
  ),
  sample AS (
    INSERT INTO "LatencySample" AS s ("groupId", "bucket", "ms", "n")
    SELECT d."groupId", d."bucket", d."ms", d."n" FROM sample_sum AS d
    ON CONFLICT ("groupId", "bucket", "ms") DO UPDATE SET "n" = s."n" + excluded."n"
    RETURNING s."groupId", s."bucket", s."ms", s."n"
  ),
  bucket AS (
    INSERT INTO "LatencyBucket" AS b ("groupId", "bucket", "n")
    SELECT d."groupId", d."bucket", sum(d."n") FROM sample_sum AS d
    GROUP BY d."groupId", d."bucket"
    ON CONFLICT ("groupId", "bucket") DO UPDATE SET "n" = b."n" + excluded."n"
    RETURNING b."groupId", b."bucket", b."n"
  )
  SELECT (SELECT array_agg(st."groupId") FROM state AS st),
         (SELECT array_agg(s."groupId") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(s."bucket") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(s."ms") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(b."groupId") FROM bucket AS b WHERE b."n" = 0),
         (SELECT array_agg(b."bucket") FROM bucket AS b WHERE b."n" = 0)
  INTO v_groups, v_empty_samples, v_empty_sample_buckets, v_empty_sample_ms, v_empty_buckets, v_empty_bucket_ids;

  -- Values and buckets no sample has any more.
  DELETE FROM "LatencySample" AS s
  USING unnest(v_empty_samples, v_empty_sample_buckets, v_empty_sample_ms) AS e("groupId", "bucket", "ms")
  WHERE (s."groupId", s."bucket", s."ms") = (e."groupId", e."bucket", e."ms") AND s."n" = 0;
  DELETE FROM "LatencyBucket" AS b
  USING unnest(v_empty_buckets, v_empty_bucket_ids) AS e("groupId", "bucket")
  WHERE (b."groupId", b."bucket") = (e."groupId", e."bucket") AND b."n" = 0;

  WITH flow_delta AS (
    DELETE FROM "FlowStatisticsDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('flow', d."assistantName", d."date", d."flowName", NULL) = ANY (p_keys)
    RETURNING d.*
  ),
  flow_sum AS (
    SELECT d."assistantName", d."date", d."flowName", sum(d."sessions")::integer AS "sessions",
           sum(d."automated")::integer AS "automated", sum(d."escalated")::integer AS "escalated"
    FROM flow_delta AS d
    GROUP BY d."assistantName", d."date", d."flowName"
    HAVING (sum(d."sessions"), sum(d."automated"), sum(d."escalated")) <> (0, 0, 0)
  ),
  flow AS (
    INSERT INTO "FlowDailyStatistics" AS f ("date", "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount")
    SELECT s."date", s."assistantName", s."flowName", s."sessions", s."automated", s."escalated" FROM flow_sum AS s
    ON CONFLICT ("date", "assistantName", "flowName") DO UPDATE SET
      "totalSessions" = f."totalSessions" + excluded."totalSessions",
      "automatedCount" = f."automatedCount" + excluded."automatedCount",
      "escalatedCount" = f."escalatedCount" + excluded."escalatedCount",
      "updatedAt" = now()
    RETURNING f."id", f."totalSessions"
  )
  SELECT count(*), array_agg(f."id") FILTER (WHERE f."totalSessions" <= 0)
  INTO v_flows, v_empty_flows
  FROM flow AS f;

  DELETE FROM "FlowDailyStatistics" AS f WHERE f."id" = ANY (v_empty_flows) AND f."totalSessions" <= 0;

  RETURN coalesce(analytics.publish_version_statistics(v_groups), 0) + v_flows;
END;
$$;
