-- Row-level AFTER trigger function on SuccessCriteria: the custom success counts
-- of every VersionDailyStatistics group of the assistant are recomputed by the
-- next refresh (sessions themselves do not change).
CREATE OR REPLACE FUNCTION analytics.on_success_criteria_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT DISTINCT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion"
  FROM "Conversation" AS c
  WHERE c."assistantName" IN (OLD."assistantName", NEW."assistantName");
  RETURN NULL;
END;
$$;
