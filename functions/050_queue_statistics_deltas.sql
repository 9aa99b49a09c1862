-- Queue what conversations change in the daily statistics groups they count
-- in: p_old holds states to take out (the merge's state before a batch, a
-- rebuild's or an erasure's current rows), p_new states to put in (after the
-- batch). Old and new are netted per group before anything is queued, so a
-- conversation that gained one latency sample queues that sample, not its
-- whole history twice. The refresh folds the queues
-- (analytics.fold_statistics_deltas). Append-only, so writers never wait on
-- each other for a counter row. What each conversation counts for:
--   version group (assistantName, statisticsDate, channelName, assistantVersion):
--     a session; escalated; its CSAT class; custom success against the
--     assistant's SuccessCriteria (with their generation, which the fold
--     checks); each of its latency samples (the fold counts and sums them
--     from these)
--   flow group (assistantName, statisticsDate, flow) per flow started:
--     a session; escalated = the flow was active at the first escalation;
--     automated = completed it and not escalated in it
CREATE OR REPLACE FUNCTION analytics.queue_statistics_deltas(p_old public."Conversation"[], p_new public."Conversation"[])
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
BEGIN
  IF coalesce(cardinality(p_old), 0) + coalesce(cardinality(p_new), 0) = 0 THEN
    RETURN;
  END IF;

  WITH old_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_old) AS c
  ),
  new_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_new) AS c
  ),
  -- conversations that stay in their group with the same samples, or the
  -- same flows: those need not be unnested only to cancel out
  unchanged AS MATERIALIZED (
    SELECT o."id",
           o."latencySamplesMs" = n."latencySamplesMs" AS "sameSamples",
           (o."flowsStarted", o."flowsCompleted", o."flowsActiveAtEscalation")
             = (n."flowsStarted", n."flowsCompleted", n."flowsActiveAtEscalation") AS "sameFlows"
    FROM old_state AS o
    JOIN new_state AS n ON n."id" = o."id"
                       AND (n."assistantName", n."statisticsDate", n."channelName", n."assistantVersion")
                           = (o."assistantName", o."statisticsDate", o."channelName", o."assistantVersion")
  ),
  side AS MATERIALIZED (
    SELECT s.*, coalesce(u."sameSamples", false) AS "sameSamples", coalesce(u."sameFlows", false) AS "sameFlows"
    FROM (SELECT -1 AS "sign", c.* FROM old_state AS c
          UNION ALL
          SELECT 1, c.* FROM new_state AS c) AS s
    LEFT JOIN unchanged AS u ON u."id" = s."id"
  ),
  version_delta AS (
    INSERT INTO "VersionStatisticsDelta" ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "criteriaGeneration")
    SELECT d.* FROM (
      SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion",
             sum(c."sign") AS "sessions",
             coalesce(sum(c."sign") FILTER (WHERE c."escalatedAt" IS NOT NULL), 0) AS "escalated",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'SATISFIED'), 0) AS "satisfied",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'UNSATISFIED'), 0) AS "unsatisfied",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'UNANSWERED'), 0) AS "unanswered",
             coalesce(sum(c."sign") FILTER (WHERE c."flowsStarted" @> sc."includedFlows"
                                              AND NOT c."flowsStarted" && sc."excludedFlows"), 0) AS "succeeded",
             coalesce(min(cg."generation"), 0) AS "criteriaGeneration"
      FROM side AS c
      LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = c."assistantName"
      LEFT JOIN "SuccessCriteriaGeneration" AS cg ON cg."assistantName" = c."assistantName"
      GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion"
    ) AS d
    WHERE (d."sessions", d."escalated", d."satisfied", d."unsatisfied", d."unanswered", d."succeeded") <> (0, 0, 0, 0, 0, 0)
       -- samples to fold; or flows that other criteria would count, so that
       -- the fold sees this merge counted against criteria since changed
       OR EXISTS (SELECT 1 FROM side AS c
                  WHERE (c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion")
                        = (d."assistantName", d."statisticsDate", d."channelName", d."assistantVersion")
                    AND (NOT c."sameSamples" AND cardinality(c."latencySamplesMs") > 0 OR NOT c."sameFlows"))
  ),
  sample_delta AS (
    INSERT INTO "LatencySampleDelta" ("assistantName", "date", "channelName", "version", "ms", "n")
    SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms, sum(c."sign")
    FROM side AS c, unnest(c."latencySamplesMs") AS ms
    WHERE NOT c."sameSamples"
    GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms
    HAVING sum(c."sign") <> 0
  )
  INSERT INTO "FlowStatisticsDelta" ("assistantName", "date", "flowName", "sessions", "automated", "escalated")
  SELECT d.* FROM (
    SELECT c."assistantName", c."statisticsDate", fl,
           sum(c."sign") AS "sessions",
           coalesce(sum(c."sign") FILTER (WHERE fl = ANY (c."flowsCompleted") AND NOT fl = ANY (c."flowsActiveAtEscalation")), 0) AS "automated",
           coalesce(sum(c."sign") FILTER (WHERE fl = ANY (c."flowsActiveAtEscalation")), 0) AS "escalated"
    FROM side AS c, unnest(c."flowsStarted") AS fl
    WHERE NOT c."sameFlows"
    GROUP BY c."assistantName", c."statisticsDate", fl
  ) AS d
  WHERE (d."sessions", d."automated", d."escalated") <> (0, 0, 0);
END;
$$;
