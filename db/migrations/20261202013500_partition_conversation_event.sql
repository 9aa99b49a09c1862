-- migrate:up
-- ConversationEvent becomes range-partitioned by "timestamp" (docs/decisions.md,
-- "Event partitions"). The table is rebuilt: each interval holding rows gets its
-- leaf (analytics.create_event_partition), and the rows are copied into them
-- before the triggers exist (Conversation already holds what they say). The
-- migration holds ConversationEvent locked until it commits: about a minute
-- per 3 million events on the development box (docs/operations.md, "Event
-- partitions and retention"). The old table's triggers, views and grants
-- go to the new one (analytics.move_table_dependents).

ALTER TABLE public."ConversationEvent" RENAME TO "ConversationEvent_unpartitioned";
ALTER TABLE public."ConversationEvent_unpartitioned" RENAME CONSTRAINT "ConversationEvent_pkey" TO "ConversationEvent_unpartitioned_pkey";
ALTER TABLE public."ConversationEvent_unpartitioned" RENAME CONSTRAINT "ConversationEvent_conversationId_fkey" TO "ConversationEvent_unpartitioned_conversationId_fkey";
ALTER TABLE public."ConversationEvent_unpartitioned" RENAME CONSTRAINT "ConversationEvent_modelId_fkey" TO "ConversationEvent_unpartitioned_modelId_fkey";
ALTER INDEX public."ConversationEvent_conversationId_idx" RENAME TO "ConversationEvent_unpartitioned_conversationId_idx";

CREATE TABLE public."ConversationEvent" (LIKE public."ConversationEvent_unpartitioned" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)
  PARTITION BY RANGE ("timestamp");
-- A partitioned table's keys hold its partition column. "id" keeps its
-- meaning: it hashes the message bytes, which hold the timestamp, so an id
-- always comes with the same timestamp.
ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_pkey" PRIMARY KEY ("id", "timestamp");
CREATE INDEX "ConversationEvent_conversationId_idx" ON public."ConversationEvent" ("conversationId", "sequenceNumber");
COMMENT ON TABLE public."ConversationEvent" IS 'One row per Rasa event as received; id = UUIDv5(URL namespace, message value bytes). Range-partitioned by timestamp.';
COMMENT ON COLUMN public."ConversationEvent"."sequenceNumber" IS 'Extension: stream order (increasing along each sender''s stream).';
CREATE TABLE public."ConversationEvent_default" PARTITION OF public."ConversationEvent" DEFAULT;
COMMENT ON TABLE public."ConversationEvent_default" IS 'Events no leaf holds yet; the loaders'' maintenance moves them into leaves of their own (analytics.partition_default_events).';

SELECT analytics.create_event_partition(min(e."timestamp"))
FROM public."ConversationEvent_unpartitioned" AS e
WHERE isfinite(e."timestamp")
GROUP BY date_trunc((SELECT s."interval" FROM analytics."EventPartitionSettings" AS s), e."timestamp" AT TIME ZONE 'UTC');
INSERT INTO public."ConversationEvent" SELECT * FROM public."ConversationEvent_unpartitioned";

ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_conversationId_fkey"
  FOREIGN KEY ("conversationId") REFERENCES public."Conversation" ("id") DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_modelId_fkey"
  FOREIGN KEY ("modelId") REFERENCES public."MachineLearningModel" ("id") DEFERRABLE INITIALLY DEFERRED;
SELECT analytics.move_table_dependents('public."ConversationEvent_unpartitioned"', 'public."ConversationEvent"');
DROP TABLE public."ConversationEvent_unpartitioned";
ANALYZE public."ConversationEvent";

-- migrate:down
ALTER TABLE public."ConversationEvent" RENAME TO "ConversationEvent_partitioned";
ALTER TABLE public."ConversationEvent_partitioned" RENAME CONSTRAINT "ConversationEvent_pkey" TO "ConversationEvent_partitioned_pkey";
ALTER TABLE public."ConversationEvent_partitioned" RENAME CONSTRAINT "ConversationEvent_conversationId_fkey" TO "ConversationEvent_partitioned_conversationId_fkey";
ALTER TABLE public."ConversationEvent_partitioned" RENAME CONSTRAINT "ConversationEvent_modelId_fkey" TO "ConversationEvent_partitioned_modelId_fkey";
ALTER INDEX public."ConversationEvent_conversationId_idx" RENAME TO "ConversationEvent_partitioned_conversationId_idx";

CREATE TABLE public."ConversationEvent" (LIKE public."ConversationEvent_partitioned" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION);
INSERT INTO public."ConversationEvent" SELECT * FROM public."ConversationEvent_partitioned";
ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_pkey" PRIMARY KEY ("id");
CREATE INDEX "ConversationEvent_conversationId_idx" ON public."ConversationEvent" ("conversationId", "sequenceNumber");
COMMENT ON TABLE public."ConversationEvent" IS 'One row per Rasa event as received; id = UUIDv5(URL namespace, message value bytes).';
COMMENT ON COLUMN public."ConversationEvent"."sequenceNumber" IS 'Extension: stream order (increasing along each sender''s stream).';
ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_conversationId_fkey"
  FOREIGN KEY ("conversationId") REFERENCES public."Conversation" ("id") DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE public."ConversationEvent" ADD CONSTRAINT "ConversationEvent_modelId_fkey"
  FOREIGN KEY ("modelId") REFERENCES public."MachineLearningModel" ("id") DEFERRABLE INITIALLY DEFERRED;
SELECT analytics.move_table_dependents('public."ConversationEvent_partitioned"', 'public."ConversationEvent"');
DROP TABLE public."ConversationEvent_partitioned";
