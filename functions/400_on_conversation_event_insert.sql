-- Statement-level AFTER INSERT trigger function on ConversationEvent: merges the
-- whole batch (the transition table new_events) into Conversation at once.
CREATE OR REPLACE FUNCTION analytics.on_conversation_event_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  PERFORM analytics.apply_events(array(SELECT analytics.event_fact(n) FROM new_events AS n));
  RETURN NULL;
END;
$$;
