-- On Citus this trigger fires on the workers, per shard, and queues into the
-- outbox of this node's shard (analytics.citus_local_sql), from arrays: Citus
-- cannot read a transition table inside a write.
-- replace:
BEGIN
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT o."conversationId" FROM old_events AS o;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO "DirtyConversation" ("conversationId")
    SELECT DISTINCT n."conversationId" FROM new_events AS n;
  END IF;
-- with:
DECLARE
  v_ids uuid[] := (SELECT array_agg(DISTINCT o."conversationId") FROM old_events AS o);
BEGIN
  IF TG_OP = 'UPDATE' THEN
    v_ids := v_ids || (SELECT array_agg(DISTINCT n."conversationId") FROM new_events AS n);
  END IF;
  EXECUTE analytics.citus_local_sql($queue$
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT i FROM unnest($1::uuid[]) AS i
  $queue$, TG_RELID) USING v_ids;
-- end
