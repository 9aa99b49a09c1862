-- The key of a statistics group as one short text (an md5), for the
-- quarantine of groups the refresh cannot fold: flow groups have no channel
-- or version.
CREATE OR REPLACE FUNCTION analytics.statistics_group_key(
  p_kind text, p_assistant_name text, p_date date, p_channel_or_flow text, p_version text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT md5(row(p_kind, p_assistant_name, p_date, p_channel_or_flow, p_version)::text)
$$;
