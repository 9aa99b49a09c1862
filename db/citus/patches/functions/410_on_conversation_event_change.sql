-- On Citus this trigger fires on the workers, per shard, and queues through
-- the outbox (analytics.citus_flush_queues), from an
-- array: Citus cannot read a transition table inside a write.
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
  IF v_ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('analytics.shard_key', v_ids[1]::text, true);
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT i FROM unnest(v_ids) AS i;
  PERFORM analytics.citus_flush_queues(TG_RELID);
  PERFORM set_config('analytics.shard_key', '', true);
-- end
