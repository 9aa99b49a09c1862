-- Citus locks no rows of a query over several shards (FOR UPDATE): the
-- tables are locked against inserts instead, as a rebuild does on Citus. An aggregate
-- over a distributed table runs on the workers, where a row is of its
-- shard's type: the rows are cast to "Conversation" there, and read into a
-- variable first (in one statement with the call, Citus would run the call
-- on a worker).
-- replace:
  v_ids uuid[];
-- with:
  v_ids uuid[];
  v_old public."Conversation"[];
-- end
-- replace:
  SELECT coalesce(array_agg(c."id"), '{}') INTO v_ids
  FROM (SELECT c."id" FROM "Conversation" AS c WHERE c."senderId" = p_sender_id FOR UPDATE) AS c;

  PERFORM analytics.queue_statistics_deltas(array_agg(c), NULL)
  FROM "Conversation" AS c
  WHERE c."id" = ANY (v_ids) AND c."startDate" <> 'infinity';
-- with:
  LOCK TABLE "Conversation", "ConversationEvent" IN SHARE ROW EXCLUSIVE MODE;
  SELECT coalesce(array_agg(c."id"), '{}') INTO v_ids
  FROM "Conversation" AS c WHERE c."senderId" = p_sender_id;

  SELECT array_agg(ROW(c.*)::public."Conversation") INTO v_old
  FROM "Conversation" AS c
  WHERE c."id" = ANY (v_ids) AND c."startDate" <> 'infinity';
  PERFORM analytics.queue_statistics_deltas(v_old, NULL);
-- end
