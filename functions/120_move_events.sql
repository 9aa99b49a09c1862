-- Re-point stored events to another conversation (p_event_ids[i] to
-- p_conversation_ids[i]) when their session was derived anew: a
-- session_started_metadata slot stored in an earlier batch than the
-- action_session_start that makes it open a session, or a sender's stream
-- re-derived after rejected events were replayed. The conversations they leave
-- and join are queued for a rebuild by the next refresh (explicitly: the update
-- trigger does not fire for a loader that writes with session_replication_role
-- = replica). Returns how many events moved.
CREATE OR REPLACE FUNCTION analytics.move_events(p_event_ids uuid[], p_conversation_ids uuid[])
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_moved integer;
BEGIN
  WITH target AS (
    SELECT e."id", e."conversationId" AS "from", m."to"
    FROM unnest(p_event_ids, p_conversation_ids) AS m("id", "to")
    JOIN "ConversationEvent" AS e ON e."id" = m."id"
    WHERE e."conversationId" <> m."to"
  ),
  moved AS (
    UPDATE "ConversationEvent" AS e
    SET "conversationId" = t."to"
    FROM target AS t
    WHERE e."id" = t."id"
    RETURNING t."from", t."to"
  ),
  queued AS (
    INSERT INTO "DirtyConversation" ("conversationId")
    SELECT DISTINCT c FROM moved, LATERAL (VALUES (moved."from"), (moved."to")) AS v(c)
  )
  SELECT count(*) INTO v_moved FROM moved;
  RETURN v_moved;
END;
$$;
