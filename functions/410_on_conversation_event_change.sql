-- Statement-level AFTER UPDATE / DELETE trigger function on ConversationEvent:
-- an edited or deleted event breaks stream order, so the conversations involved
-- are queued for a rebuild by the next refresh.
CREATE OR REPLACE FUNCTION analytics.on_conversation_event_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT o."conversationId" FROM old_events AS o;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO "DirtyConversation" ("conversationId")
    SELECT DISTINCT n."conversationId" FROM new_events AS n;
  END IF;
  RETURN NULL;
END;
$$;
