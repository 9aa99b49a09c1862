-- Set a statistics group aside: record it with the error that stopped its
-- fold, and move its queued deltas to analytics."QuarantinedDelta", where
-- later ones join them (analytics.divert_quarantined_deltas) until a DBA
-- releases the group (analytics.release_quarantined_group). The other groups
-- go on being refreshed.
CREATE OR REPLACE FUNCTION analytics.quarantine_statistics_group(
  p_kind text, p_assistant_name text, p_date date, p_channel_or_flow text, p_version text,
  p_sqlstate text, p_error text)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_key constant text := analytics.statistics_group_key(p_kind, p_assistant_name, p_date, p_channel_or_flow, p_version);
BEGIN
  INSERT INTO "QuarantinedStatisticsGroup" ("groupKey", "kind", "assistantName", "date", "channelName",
    "version", "flowName", "sqlstate", "error")
  VALUES (v_key, p_kind, p_assistant_name, p_date,
          CASE WHEN p_kind = 'version' THEN p_channel_or_flow END, p_version,
          CASE WHEN p_kind = 'flow' THEN p_channel_or_flow END, p_sqlstate, left(p_error, 2000))
  ON CONFLICT ("groupKey") DO NOTHING;
  PERFORM analytics.divert_quarantined_deltas();
END;
$$;
