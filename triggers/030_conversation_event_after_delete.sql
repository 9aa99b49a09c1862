-- A deleted event queues its conversation for a rebuild.
CREATE OR REPLACE TRIGGER conversation_event_after_delete
AFTER DELETE ON public."ConversationEvent"
REFERENCING OLD TABLE AS old_events
FOR EACH STATEMENT
EXECUTE FUNCTION analytics.on_conversation_event_change();
