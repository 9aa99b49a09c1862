-- Every batch COPYed or inserted into ConversationEvent is merged into
-- Conversation once, at the end of the statement (analytics.apply_inserted_events).
-- ENABLE ALWAYS: it must also fire for the loader, which writes with
-- session_replication_role = replica to skip the per-row foreign key checks
-- (this trigger creates every Conversation and MachineLearningModel row the
-- batch references, in the same statement).
CREATE OR REPLACE TRIGGER conversation_event_after_insert
AFTER INSERT ON public."ConversationEvent"
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT
EXECUTE FUNCTION analytics.apply_inserted_events();

ALTER TABLE public."ConversationEvent" ENABLE ALWAYS TRIGGER conversation_event_after_insert;
