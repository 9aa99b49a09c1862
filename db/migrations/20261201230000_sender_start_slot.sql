-- migrate:up
-- A session_started_metadata slot opens the session of the action_session_start
-- that follows it (SPEC revision of 2026-12-01). When the slot ends a batch the
-- loader does not yet know what follows, so the sender's state remembers the
-- slot and the conversation it would open.
ALTER TABLE analytics."SenderSession"
  ADD COLUMN "startSlotEventId"        uuid,
  ADD COLUMN "startSlotConversationId" uuid;
COMMENT ON COLUMN analytics."SenderSession"."startSlotEventId" IS 'The sender''s last event without session_id, when it is a session_started_metadata slot: it opens a session if action_session_start comes next.';
COMMENT ON COLUMN analytics."SenderSession"."startSlotConversationId" IS 'The conversation that slot opens if action_session_start comes next.';

-- migrate:down
ALTER TABLE analytics."SenderSession"
  DROP COLUMN "startSlotEventId",
  DROP COLUMN "startSlotConversationId";
