-- Erase everything stored of one sender (a person's right to erasure, GDPR
-- article 17): the conversations whose sender they are, with all their
-- events; their rejected messages; their session state; queue entries naming
-- those conversations. The statistics lose those sessions exactly as if the
-- stream had never held them: each conversation's contribution is queued
-- with a minus sign (analytics.queue_statistics_deltas) and the next refresh
-- folds it. Idempotent; the time it takes follows the sender's own data
-- (indexes on senderId and conversationId). Returns what it erased.
-- Not found by it (docs/operations.md, "Erasure"): the sender's text inside
-- another sender's conversation (a session_id two senders shared), and a
-- rejected message whose sender_id could not be read.
CREATE OR REPLACE FUNCTION analytics.erase_sender(p_sender_id text)
RETURNS TABLE ("events" bigint, "conversations" bigint, "rejectedMessages" bigint)
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_ids uuid[];
BEGIN
  SELECT coalesce(array_agg(c."id"), '{}') INTO v_ids
  FROM (SELECT c."id" FROM "Conversation" AS c WHERE c."senderId" = p_sender_id FOR UPDATE) AS c;

  PERFORM analytics.queue_statistics_deltas(array_agg(c), NULL)
  FROM "Conversation" AS c
  WHERE c."id" = ANY (v_ids) AND c."startDate" <> 'infinity';

  DELETE FROM "ConversationEvent" AS e WHERE e."conversationId" = ANY (v_ids);
  GET DIAGNOSTICS "events" = ROW_COUNT;
  DELETE FROM "Conversation" AS c WHERE c."id" = ANY (v_ids);
  GET DIAGNOSTICS "conversations" = ROW_COUNT;
  DELETE FROM "RejectedEvent" AS r WHERE r."senderId" = p_sender_id;
  GET DIAGNOSTICS "rejectedMessages" = ROW_COUNT;
  DELETE FROM "SenderSession" AS s WHERE s."senderId" = p_sender_id;
  DELETE FROM "DirtyConversation" AS d WHERE d."conversationId" = ANY (v_ids);
  RETURN NEXT;
END;
$$;
