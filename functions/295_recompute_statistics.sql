-- Rebuild from "Conversation" every daily statistics row of days p_from ..
-- p_to (NULL: unbounded), and delete those left without sessions, then
-- refresh. The last step of a recompute, after its conversations were
-- rebuilt (analytics.recompute_conversations). Returns the refresh's work.
CREATE OR REPLACE FUNCTION analytics.recompute_statistics(p_from date, p_to date)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT v."assistantName", v."date", v."channelName", v."version"
  FROM "VersionDailyStatistics" AS v
  WHERE (p_from IS NULL OR v."date" >= p_from) AND (p_to IS NULL OR v."date" <= p_to);

  INSERT INTO "DirtyFlowStatistics" ("assistantName", "date", "flowName")
  SELECT f."assistantName", f."date", f."flowName"
  FROM "FlowDailyStatistics" AS f
  WHERE (p_from IS NULL OR f."date" >= p_from) AND (p_to IS NULL OR f."date" <= p_to);

  RETURN analytics.refresh_statistics(true);
END;
$$;
