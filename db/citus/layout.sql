-- The Citus layout (docs/scaling.md, "Citus"), applied by db.Distribute after
-- the migrations, once: a database whose ConversationEvent is distributed is
-- left as it is.
--   distributed by conversation, colocated: ConversationEvent, Conversation,
--     analytics."ConversationState", analytics."EventReplay": the merge reads
--     and writes them on the shard the batch's events went to
--   distributed like the conversations, colocated: the outbox of the queues
--     the triggers write on the workers (analytics.citus_flush_queues)
--   reference (a copy on every node): mirrors of what the merge reads there
--     (settings, criteria; analytics.citus_sync_mirror, mirrors.sql)
--   plain PostgreSQL tables on the coordinator: everything else, so the
--     refresh, the loaders' bookkeeping and the BI tables are the
--     single-node ones
DO $layout$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'public."ConversationEvent"'::regclass) THEN
    RETURN;
  END IF;
  SET LOCAL citus.enable_unsafe_triggers = on;
  SET LOCAL client_min_messages = warning;

  -- Citus requires the distribution column in every unique key, and allows
  -- no foreign key from a distributed table to a table of the coordinator:
  -- the keys to models and environments go (the loader creates environments
  -- before its batch; the refresh creates models from what the merge saw),
  -- and the ones between the colocated tables come back once they are
  -- distributed.
  ALTER TABLE public."ConversationEvent" DROP CONSTRAINT "ConversationEvent_conversationId_fkey";
  ALTER TABLE public."ConversationEvent" DROP CONSTRAINT "ConversationEvent_modelId_fkey";
  ALTER TABLE analytics."ConversationState" DROP CONSTRAINT "ConversationState_conversationId_fkey";
  ALTER TABLE public."Conversation" DROP CONSTRAINT "Conversation_environmentId_fkey";
  ALTER TABLE public."ConversationEvent" DROP CONSTRAINT "ConversationEvent_pkey";
  ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_pkey" PRIMARY KEY ("conversationId", "id", "timestamp");

  -- What the triggers queue on the workers (analytics.citus_flush_queues).
  CREATE TABLE analytics."QueueOutbox" (
    "shardKey" uuid NOT NULL DEFAULT analytics.citus_shard_key(),
    "queue" text NOT NULL,
    "row" text NOT NULL
  );

  PERFORM create_distributed_table('public."Conversation"', 'id');
  PERFORM create_distributed_table('analytics."ConversationState"', 'conversationId', colocate_with => 'public."Conversation"');
  PERFORM create_distributed_table('public."ConversationEvent"', 'conversationId', colocate_with => 'public."Conversation"');
  PERFORM create_distributed_table('analytics."EventReplay"', 'conversationId', colocate_with => 'public."Conversation"');
  PERFORM create_distributed_table('analytics."QueueOutbox"', 'shardKey', colocate_with => 'public."Conversation"');

  ALTER TABLE analytics."ConversationState" ADD CONSTRAINT "ConversationState_conversationId_fkey"
    FOREIGN KEY ("conversationId") REFERENCES public."Conversation" ("id") ON DELETE CASCADE;
  ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_conversationId_fkey"
    FOREIGN KEY ("conversationId") REFERENCES public."Conversation" ("id") DEFERRABLE INITIALLY DEFERRED;
END;
$layout$;
