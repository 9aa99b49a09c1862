-- The first day a recompute of days p_from .. p_to may rebuild. Sessions
-- that started before analytics.events_dropped_before() lost events to
-- retention, and a rebuild from events cannot redo them (their conversations
-- and statistics stay as they were). A range that reaches one of their days
-- is refused (SQLSTATE 55000, object_not_in_prerequisite_state); an open
-- start (p_from NULL: "every day") starts on the first day after theirs.
-- docs/operations.md, "Retention".
CREATE OR REPLACE FUNCTION analytics.recompute_from(p_from date, p_to date)
RETURNS date
LANGUAGE plpgsql
STABLE
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_dropped_before timestamptz := analytics.events_dropped_before();
  v_first_kept date;
BEGIN
  IF v_dropped_before IS NULL THEN
    RETURN p_from;
  END IF;
  SELECT max(c."statisticsDate") + 1 INTO v_first_kept
  FROM "Conversation" AS c
  WHERE c."startDate" < v_dropped_before;
  IF v_first_kept IS NULL OR p_from >= v_first_kept THEN
    RETURN p_from;
  END IF;
  IF p_from IS NULL AND (p_to IS NULL OR p_to >= v_first_kept) THEN
    RETURN v_first_kept;
  END IF;
  RAISE EXCEPTION 'cannot recompute days before %: retention dropped the events before % (analytics."DroppedEventRange"), and sessions on those days started earlier',
    v_first_kept, v_dropped_before
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = format('Recompute from %s on; the conversations and statistics of earlier days stay as they are.', v_first_kept);
END;
$$;
