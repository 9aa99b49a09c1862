-- Queue what conversations add to (p_sign = 1) or take from (p_sign = -1) the
-- daily statistics groups they count in: the merge calls it with the old and
-- the new state of every conversation whose statistics changed, a rebuild
-- with the state it resets. The refresh folds the queues
-- (analytics.fold_statistics_deltas). Append-only, so writers never wait on
-- each other for a counter row. What each conversation counts for:
--   version group (assistantName, statisticsDate, channelName, assistantVersion):
--     a session; escalated; its CSAT class; custom success against the
--     assistant's SuccessCriteria; its latency samples (count, sum, each value)
--   flow group (assistantName, statisticsDate, flow) per flow started:
--     a session; escalated = the flow was active at the first escalation;
--     automated = completed it and not escalated in it
CREATE OR REPLACE FUNCTION analytics.queue_statistics_deltas(p_sign integer, p_rows public."Conversation"[])
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  IF coalesce(cardinality(p_rows), 0) = 0 THEN
    RETURN;
  END IF;

  INSERT INTO "VersionStatisticsDelta" ("assistantName", "date", "channelName", "version", "sessions",
    "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "latencyCount", "latencySum")
  SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion",
         p_sign * count(*),
         p_sign * count(*) FILTER (WHERE c."escalatedAt" IS NOT NULL),
         p_sign * count(*) FILTER (WHERE c."csatRating" = 'SATISFIED'),
         p_sign * count(*) FILTER (WHERE c."csatRating" = 'UNSATISFIED'),
         p_sign * count(*) FILTER (WHERE c."csatRating" = 'UNANSWERED'),
         p_sign * count(*) FILTER (WHERE c."flowsStarted" @> sc."includedFlows" AND NOT c."flowsStarted" && sc."excludedFlows"),
         p_sign * sum(cardinality(c."latencySamplesMs")),
         p_sign * coalesce(sum((SELECT sum(ms::numeric) FROM unnest(c."latencySamplesMs") AS ms)), 0)
  FROM unnest(p_rows) AS c
  LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = c."assistantName"
  GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion";

  INSERT INTO "LatencySampleDelta" ("assistantName", "date", "channelName", "version", "ms", "n")
  SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms, p_sign * count(*)
  FROM unnest(p_rows) AS c, unnest(c."latencySamplesMs") AS ms
  GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms;

  INSERT INTO "FlowStatisticsDelta" ("assistantName", "date", "flowName", "sessions", "automated", "escalated")
  SELECT c."assistantName", c."statisticsDate", fl,
         p_sign * count(*),
         p_sign * count(*) FILTER (WHERE fl = ANY (c."flowsCompleted") AND NOT fl = ANY (c."flowsActiveAtEscalation")),
         p_sign * count(*) FILTER (WHERE fl = ANY (c."flowsActiveAtEscalation"))
  FROM unnest(p_rows) AS c, unnest(c."flowsStarted") AS fl
  GROUP BY c."assistantName", c."statisticsDate", fl;
END;
$$;
