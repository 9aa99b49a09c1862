-- On Citus this trigger fires on the workers, once per shard a statement
-- wrote, with that shard's rows. Citus refuses a distributed query from
-- inside a query on a shard when any of its work is remote, and cannot read
-- a transition table inside one: the merge runs as one statement on this
-- node's shards (analytics.citus_local_sql), with the batch read into an
-- array first. What it queues goes to the outbox (analytics.citus_flush_queues). Models: the merge cannot write the coordinator's
-- table of models from a worker; it queues what it saw with the model's name
-- and assistant, and the refresh creates the rows (citus_drain_outbox).
-- replace:
  v_new "Conversation"[];
BEGIN
  WITH fact AS MATERIALIZED (
-- with:
  v_new "Conversation"[];
  v_events "ConversationEvent"[] := (SELECT array_agg(ROW(n.*)::"ConversationEvent") FROM new_events AS n);
BEGIN
  IF v_events IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('analytics.shard_key', (v_events[1])."conversationId"::text, true);
  EXECUTE analytics.citus_local_sql($merge$
  WITH fact AS MATERIALIZED (
-- end
-- replace:
    FROM new_events AS n
-- with:
    FROM unnest($1::"ConversationEvent"[]) AS n
-- end
-- replace:
b."assistantName", ps."defaultAssistantName", v_default_assistant) AS "assistantName"
-- with:
b."assistantName", ps."defaultAssistantName", $2::text) AS "assistantName"
-- end
-- replace:
           coalesce(ps."defaultAssistantName", v_default_assistant) AS "defaultAssistantName",
-- with:
           coalesce(ps."defaultAssistantName", $2::text) AS "defaultAssistantName",
-- end
-- replace:
           coalesce(f."assistantId", v_default_assistant) AS "assistantName"
-- with:
           coalesce(f."assistantId", $2::text) AS "assistantName"
-- end
-- replace:
  new_model AS (
    INSERT INTO "MachineLearningModel" ("id", "modelId", "modelName", "assistantName", "firstSeenAt", "lastSeenAt")
    SELECT m."modelId", m."modelIdText", m."modelName", m."assistantName", m."firstSeenAt", m."lastSeenAt"
    FROM model AS m
    ON CONFLICT ("id") DO NOTHING
  ),
  dirty_model AS (
    INSERT INTO "DirtyModel" ("modelId", "modelName", "firstSeenAt", "lastSeenAt")
    SELECT m."modelId", m."modelName", m."firstSeenAt", m."lastSeenAt" FROM model AS m
  )
-- with:
  dirty_model AS (
    INSERT INTO "DirtyModel" ("modelId", "modelName", "firstSeenAt", "lastSeenAt", "modelIdText", "assistantName")
    SELECT m."modelId", m."modelName", m."firstSeenAt", m."lastSeenAt", m."modelIdText", m."assistantName" FROM model AS m
  )
-- end
-- replace:
  SELECT array_agg(ch."oldRow") FILTER (WHERE ch."hadState"), array_agg(ch."newRow")
  INTO v_old, v_new
  FROM changed AS ch;

  PERFORM analytics.queue_statistics_deltas(v_old, v_new);
-- with:
  SELECT array_agg(ch."oldRow") FILTER (WHERE ch."hadState"), array_agg(ch."newRow")
  FROM changed AS ch
  $merge$, TG_RELID) INTO v_old, v_new USING v_events, v_default_assistant;

  PERFORM set_config('analytics.citus_shard', TG_RELID::oid::text, true);
  PERFORM analytics.queue_statistics_deltas(v_old, v_new);
  PERFORM set_config('analytics.citus_shard', '', true);
  PERFORM analytics.citus_flush_queues(TG_RELID);
  PERFORM set_config('analytics.shard_key', '', true);
-- end
