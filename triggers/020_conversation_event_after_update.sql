-- An edited event queues its old and new conversations for a rebuild.
CREATE OR REPLACE TRIGGER conversation_event_after_update
AFTER UPDATE ON public."ConversationEvent"
REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
FOR EACH STATEMENT
EXECUTE FUNCTION analytics.on_conversation_event_change();
