-- Rebuild conversations and statistics from ConversationEvent for the sessions
-- counting on days p_from .. p_to (NULL: unbounded), e.g. after a change of
-- logic, in one transaction (`analyticsdb recompute` does the same in chunks,
-- one transaction each, so loaders keep committing). The result always equals
-- what ingestion maintained incrementally. Days whose sessions lost events to
-- retention are refused, or left out when p_from is NULL
-- (analytics.recompute_from). Returns the number of conversations rebuilt
-- plus the refresh's work.
CREATE OR REPLACE FUNCTION analytics.recompute(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_from date := analytics.recompute_from(p_from, p_to);
  v_after uuid;
  v_chunks integer := 0;
BEGIN
  PERFORM 1 FROM "RefreshLog" FOR UPDATE;  -- the refresh's lock: one at a time
  LOOP
    v_after := analytics.recompute_conversations(v_from, p_to, v_after, 1000);
    EXIT WHEN v_after IS NULL;
    v_chunks := v_chunks + 1;
  END LOOP;
  RETURN v_chunks + analytics.recompute_statistics(v_from, p_to);
END;
$$;
