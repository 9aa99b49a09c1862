-- Give a quarantined statistics group back to the refresh once its cause is
-- mended: its deltas return to their queues and the next refresh folds them.
-- Returns how many deltas were queued again (NULL: no such group).
CREATE OR REPLACE FUNCTION analytics.release_quarantined_group(p_group_key text)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_deltas integer;
BEGIN
  PERFORM 1 FROM "QuarantinedStatisticsGroup" WHERE "groupKey" = p_group_key FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO "VersionStatisticsDelta"
  -- (deltas quarantined before criteria generations existed: generation 0)
  SELECT (jsonb_populate_record(NULL::"VersionStatisticsDelta", '{"criteriaGeneration": 0}' || q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'VersionStatisticsDelta';
  INSERT INTO "LatencySampleDelta"
  SELECT (jsonb_populate_record(NULL::"LatencySampleDelta", q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'LatencySampleDelta';
  INSERT INTO "FlowStatisticsDelta"
  SELECT (jsonb_populate_record(NULL::"FlowStatisticsDelta", q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'FlowStatisticsDelta';
  SELECT count(*) INTO v_deltas FROM "QuarantinedDelta" WHERE "groupKey" = p_group_key;
  DELETE FROM "QuarantinedStatisticsGroup" WHERE "groupKey" = p_group_key;
  RETURN v_deltas;
END;
$$;
