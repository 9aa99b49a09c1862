-- Put re-derived sessions in place at once: re-point stored events to the
-- conversations their senders' streams now give them (p_event_ids[i] to
-- p_conversation_ids[i], through analytics.move_events), rebuild every
-- conversation involved (those the events leave and join, and p_also: the
-- conversations of events just stored beside them) and take them off the
-- refresh queue, since they are rebuilt already. replay-rejected calls it once
-- per chunk, in the chunk's transaction, after re-deriving the sessions of the
-- senders whose rejected messages it stored. Returns how many conversations
-- were rebuilt.
CREATE OR REPLACE FUNCTION analytics.rebuild_moved_sessions(p_event_ids uuid[], p_conversation_ids uuid[], p_also uuid[])
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_ids uuid[];
  v_rebuilt integer;
BEGIN
  SELECT coalesce(array_agg(DISTINCT t.c), '{}') INTO v_ids
  FROM (
    SELECT v.c
    FROM unnest(p_event_ids, p_conversation_ids) AS m("id", "to")
    JOIN "ConversationEvent" AS e ON e."id" = m."id" AND e."conversationId" <> m."to",
    LATERAL (VALUES (e."conversationId"), (m."to")) AS v(c)
    UNION ALL
    SELECT unnest(p_also)
  ) AS t(c);
  PERFORM analytics.move_events(p_event_ids, p_conversation_ids);
  v_rebuilt := analytics.rebuild_conversations(v_ids);
  DELETE FROM "DirtyConversation" WHERE "conversationId" = ANY (v_ids);
  RETURN v_rebuilt;
END;
$$;
