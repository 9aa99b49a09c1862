-- Row-level AFTER trigger function on SuccessCriteria: the custom success
-- counts of every VersionDailyStatistics group of the assistant are
-- recomputed by the next refresh (sessions themselves do not change). The
-- groups are listed by the refresh, not here: this transaction cannot see
-- the groups that merges still open create, and those merges counted
-- against the old criteria. The new generation tells the fold that their
-- deltas are stale (docs/decisions.md, "Success criteria changes").
CREATE OR REPLACE FUNCTION analytics.on_success_criteria_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  WITH changed AS MATERIALIZED (
    SELECT DISTINCT a."assistantName"
    FROM (VALUES (OLD."assistantName"), (NEW."assistantName")) AS a("assistantName")
    WHERE a."assistantName" IS NOT NULL
  ),
  generation AS (
    INSERT INTO "SuccessCriteriaGeneration" AS g ("assistantName", "generation")
    SELECT c."assistantName", 1 FROM changed AS c
    ON CONFLICT ("assistantName") DO UPDATE SET "generation" = g."generation" + 1
  )
  INSERT INTO "DirtySuccessCriteria" ("assistantName")
  SELECT c."assistantName" FROM changed AS c;
  RETURN NULL;
END;
$$;
