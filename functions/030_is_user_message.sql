-- Whether a USER event counts as a user message (docs/metrics.md): the channel's
-- session-start trigger (text "/session_start", or a "session start" command in
-- parse_data.commands) and external events (metadata.is_external true, such as
-- reminders) are neither messages nor latency samples.
CREATE OR REPLACE FUNCTION analytics.is_user_message(
  p_type public."ConversationEventType", p_raw_data jsonb, p_metadata jsonb)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT p_type = 'USER'
     AND coalesce(p_raw_data ->> 'text', '') <> '/session_start'
     AND NOT coalesce(p_raw_data -> 'parse_data' -> 'commands' @> '[{"command": "session start"}]', false)
     AND NOT coalesce(p_metadata -> 'is_external' = 'true', false)
$$;
