-- Rebuild conversations and statistics from ConversationEvent for the sessions
-- counting on days p_from .. p_to (NULL: unbounded), e.g. after a change of
-- logic. The result always equals what ingestion maintained incrementally.
-- Returns the number of conversations rebuilt plus groups recomputed.
CREATE OR REPLACE FUNCTION analytics.recompute(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_ids uuid[];
  v_work integer := 0;
BEGIN
  PERFORM 1 FROM "RefreshLog" FOR UPDATE;  -- the refresh's lock: one at a time

  -- Every existing statistics row in the range is recomputed (and deleted if empty).
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT v."assistantName", v."date", v."channelName", v."version"
  FROM "VersionDailyStatistics" AS v
  WHERE (p_from IS NULL OR v."date" >= p_from) AND (p_to IS NULL OR v."date" <= p_to);

  INSERT INTO "DirtyFlowStatistics" ("assistantName", "date", "flowName")
  SELECT f."assistantName", f."date", f."flowName"
  FROM "FlowDailyStatistics" AS f
  WHERE (p_from IS NULL OR f."date" >= p_from) AND (p_to IS NULL OR f."date" <= p_to);

  FOR v_ids IN
    SELECT array_agg(c."id")
    FROM (SELECT c."id", (row_number() OVER ()) / 1000 AS chunk
          FROM "Conversation" AS c
          WHERE (p_from IS NULL OR c."statisticsDate" >= p_from)
            AND (p_to IS NULL OR c."statisticsDate" <= p_to)) AS c
    GROUP BY c.chunk
  LOOP
    v_work := v_work + analytics.rebuild_conversations(v_ids);
  END LOOP;

  RETURN v_work + analytics.refresh_statistics(true);
END;
$$;
