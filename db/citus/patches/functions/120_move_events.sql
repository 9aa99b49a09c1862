-- Citus refuses to update a distribution column: on Citus an event moves by
-- a delete and an insert, which the delete trigger queues and the insert
-- trigger merges into the session it moves to; the caller rebuilds both
-- sessions (analytics.rebuild_moved_sessions), as the update trigger's queue
-- does on one node.
-- replace:
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
-- with:
DECLARE
  v_moved integer;
  v_events "ConversationEvent"[];
  v_to uuid[];
BEGIN
  SELECT array_agg(ROW(e.*)::"ConversationEvent"), array_agg(m."to")
  INTO v_events, v_to
  FROM unnest(p_event_ids, p_conversation_ids) AS m("id", "to")
  JOIN "ConversationEvent" AS e ON e."id" = m."id"
  WHERE e."conversationId" <> m."to";
  v_moved := coalesce(cardinality(v_events), 0);
  IF v_moved = 0 THEN
    RETURN 0;
  END IF;
  DELETE FROM "ConversationEvent" AS e
  USING unnest(v_events) AS o
  WHERE (e."conversationId", e."id", e."timestamp") = (o."conversationId", o."id", o."timestamp");
  INSERT INTO "ConversationEvent"
  SELECT (jsonb_populate_record(v_events[i], jsonb_build_object('conversationId', v_to[i]))).*
  FROM generate_subscripts(v_events, 1) AS i;
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT c FROM generate_subscripts(v_events, 1) AS i, unnest(ARRAY[(v_events[i])."conversationId", v_to[i]]) AS v(c);
  RETURN v_moved;
-- end
