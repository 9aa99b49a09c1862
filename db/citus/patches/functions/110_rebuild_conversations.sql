-- Citus runs an aggregate over a distributed table on the workers, where a
-- row is of its shard's type: the rows are cast to "Conversation" there, and
-- read into a variable first (in one statement with the call, Citus would
-- run the call on a worker).
-- replace:
  v_rebuilt integer;
-- with:
  v_rebuilt integer;
  v_old public."Conversation"[];
-- end
-- replace:
  PERFORM analytics.queue_statistics_deltas(array_agg(c), NULL)
  FROM "Conversation" AS c
  WHERE c."id" = ANY (p_ids) AND c."startDate" <> 'infinity';
-- with:
  SELECT array_agg(ROW(c.*)::public."Conversation") INTO v_old
  FROM "Conversation" AS c
  WHERE c."id" = ANY (p_ids) AND c."startDate" <> 'infinity';
  PERFORM analytics.queue_statistics_deltas(v_old, NULL);
-- end
-- On Citus the batches' merges write the shards of "Conversation" on the
-- workers, which a lock on the table does not see; they come from inserts
-- into "ConversationEvent", which it does (its leaves are locked with it).
-- replace:
  LOCK TABLE "Conversation" IN SHARE ROW EXCLUSIVE MODE;
-- with:
  LOCK TABLE "Conversation", "ConversationEvent" IN SHARE ROW EXCLUSIVE MODE;
-- end
