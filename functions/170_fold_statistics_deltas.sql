-- Fold every queued statistics delta (analytics.fold_statistics_delta_groups).
-- A group whose fold fails does not stop the others: the fold is tried again
-- group by group, and each group that still fails is quarantined with its
-- error (analytics.quarantine_statistics_group), so the next refreshes skip
-- it instead of failing every second. Returns how many groups were touched.
CREATE OR REPLACE FUNCTION analytics.fold_statistics_deltas()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_work integer := 0;
  v_group record;
  v_sqlstate text;
  v_error text;
BEGIN
  IF EXISTS (SELECT 1 FROM "QuarantinedStatisticsGroup") THEN
    PERFORM analytics.divert_quarantined_deltas();
  END IF;
  BEGIN
    RETURN analytics.fold_statistics_delta_groups(NULL);
  EXCEPTION WHEN OTHERS THEN
    NULL;  -- undone; find the groups that fail
  END;
  FOR v_group IN
    SELECT DISTINCT 'version' AS "kind", d."assistantName", d."date", d."channelName" AS "channelOrFlow", d."version"
    FROM "VersionStatisticsDelta" AS d
    UNION
    SELECT DISTINCT 'flow', d."assistantName", d."date", d."flowName", NULL
    FROM "FlowStatisticsDelta" AS d
  LOOP
    BEGIN
      v_work := v_work + analytics.fold_statistics_delta_groups(ARRAY[analytics.statistics_group_key(
        v_group."kind", v_group."assistantName", v_group."date", v_group."channelOrFlow", v_group."version")]);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
      PERFORM analytics.quarantine_statistics_group(v_group."kind", v_group."assistantName", v_group."date",
        v_group."channelOrFlow", v_group."version", v_sqlstate, v_error);
      RAISE WARNING 'statistics group quarantined (% %, %): %', v_group."kind", left(v_group."assistantName", 100), v_group."date", v_error;
    END;
  END LOOP;
  RETURN v_work;
END;
$$;
