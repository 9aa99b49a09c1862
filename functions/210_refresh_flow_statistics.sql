-- Recompute from "Conversation" the FlowDailyStatistics groups queued in
-- analytics."DirtyFlowStatistics" (recompute, a new installation), and only
-- those; ingestion keeps the rows current through the delta queue
-- (analytics.fold_statistics_deltas). One row
-- per (date, assistantName, flowName) over the sessions of that day that started
-- the flow. escalatedCount: the flow was active at their first escalation;
-- automatedCount: they completed it and are not counted in escalatedCount (an
-- escalation before the flow started or after it ended does not count against it).
-- Returns how many groups were recomputed.
CREATE OR REPLACE FUNCTION analytics.refresh_flow_statistics()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_groups integer;
BEGIN
  WITH dirty AS (
    DELETE FROM "DirtyFlowStatistics" RETURNING *
  ),
  grp AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."flowName" FROM dirty AS d
  ),
  -- deltas still queued for these groups: what they say is in "Conversation",
  -- read by this same statement
  dropped_delta AS (
    DELETE FROM "FlowStatisticsDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."flowName") = (g."assistantName", g."date", g."flowName")
  ),
  -- every flow of every session of the dirty days, one index lookup per day
  -- (OFFSET 0 keeps the planner from flattening the LATERAL into a hash join
  -- over all of "Conversation", whose cost would grow with the history)
  session_flow AS MATERIALIZED (
    SELECT c."assistantName", c."statisticsDate" AS "date", fl AS "flowName",
           fl = ANY (c."flowsCompleted") AND NOT fl = ANY (c."flowsActiveAtEscalation") AS "automated",
           fl = ANY (c."flowsActiveAtEscalation") AS "escalated"
    FROM (SELECT DISTINCT g."assistantName", g."date" FROM grp AS g) AS day
    CROSS JOIN LATERAL (
      SELECT c.* FROM "Conversation" AS c
      WHERE c."assistantName" = day."assistantName" AND c."statisticsDate" = day."date"
      OFFSET 0
    ) AS c
    CROSS JOIN LATERAL unnest(c."flowsStarted") AS fl
  ),
  counted AS MATERIALIZED (
    SELECT g."assistantName", g."date", g."flowName",
           count(*)::integer AS "totalSessions",
           count(*) FILTER (WHERE sf."automated")::integer AS "automatedCount",
           count(*) FILTER (WHERE sf."escalated")::integer AS "escalatedCount"
    FROM grp AS g
    JOIN session_flow AS sf USING ("assistantName", "date", "flowName")
    GROUP BY g."assistantName", g."date", g."flowName"
  ),
  upserted AS (
    INSERT INTO "FlowDailyStatistics" AS f (
      "date", "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount")
    SELECT c."date", c."assistantName", c."flowName", c."totalSessions", c."automatedCount", c."escalatedCount"
    FROM counted AS c
    ON CONFLICT ("date", "assistantName", "flowName") DO UPDATE SET
      "totalSessions" = excluded."totalSessions",
      "automatedCount" = excluded."automatedCount",
      "escalatedCount" = excluded."escalatedCount",
      "updatedAt" = now()
    WHERE (f."totalSessions", f."automatedCount", f."escalatedCount")
          IS DISTINCT FROM (excluded."totalSessions", excluded."automatedCount", excluded."escalatedCount")
  ),
  emptied AS (
    DELETE FROM "FlowDailyStatistics" AS f
    USING (SELECT g.* FROM grp AS g
           WHERE NOT EXISTS (
             SELECT 1 FROM counted AS c
             WHERE (c."assistantName", c."date", c."flowName") = (g."assistantName", g."date", g."flowName"))) AS e
    WHERE f."date" = e."date" AND f."assistantName" = e."assistantName" AND f."flowName" = e."flowName"
  )
  SELECT count(*) INTO v_groups FROM grp;
  RETURN v_groups;
END;
$$;
