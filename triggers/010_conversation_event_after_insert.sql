-- Every batch COPYed or inserted into ConversationEvent is merged into
-- Conversation once, at the end of the statement (analytics.apply_events).
CREATE OR REPLACE TRIGGER conversation_event_after_insert
AFTER INSERT ON public."ConversationEvent"
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT
EXECUTE FUNCTION analytics.on_conversation_event_insert();
