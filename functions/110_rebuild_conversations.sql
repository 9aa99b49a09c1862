-- Recompute conversations from all their stored events: reset each one to the
-- empty state and merge every event again through analytics."EventReplay",
-- whose insert trigger is ConversationEvent's (analytics.apply_inserted_events). Used when stream order was broken (a replayed
-- rejected event, an edited or deleted event) and when settings change.
-- A conversation left without events is deleted. reviewState, lastReviewedAt and
-- the default assistant name it was created with are kept. A conversation
-- that started before analytics.events_dropped_before() is left as it is:
-- retention dropped some of its events, and its row is all that is left of
-- them (docs/operations.md, "Retention"). Returns how many conversations were
-- rebuilt.
CREATE OR REPLACE FUNCTION analytics.rebuild_conversations(p_ids uuid[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_rebuilt integer;
  v_dropped_before timestamptz := analytics.events_dropped_before();
BEGIN
  -- Wait for inserts in flight and keep new ones out until this commits, so
  -- no batch merges into a conversation while it is rebuilt (readers go on).
  LOCK TABLE "Conversation" IN SHARE ROW EXCLUSIVE MODE;

  IF v_dropped_before IS NOT NULL THEN
    SELECT coalesce(array_agg(i."id"), '{}') INTO p_ids
    FROM unnest(p_ids) AS i("id")
    WHERE NOT EXISTS (SELECT 1 FROM "Conversation" AS c
                      WHERE c."id" = i."id" AND c."startDate" < v_dropped_before);
  END IF;

  -- Take them out of the statistics groups they count in now; the replay
  -- below puts them back where they belong (it sees them reset, so it takes
  -- nothing out again).
  PERFORM analytics.queue_statistics_deltas(array_agg(c), NULL)
  FROM "Conversation" AS c
  WHERE c."id" = ANY (p_ids) AND c."startDate" <> 'infinity';

  DELETE FROM "Conversation" AS c
  WHERE c."id" = ANY (p_ids)
    AND NOT EXISTS (SELECT 1 FROM "ConversationEvent" AS e WHERE e."conversationId" = c."id");

  UPDATE "Conversation" SET
    "userId" = NULL,
    "environmentId" = NULL,
    "startDate" = 'infinity',
    "lastEventAt" = '-infinity',
    "totalNumberOfUserMessages" = 0,
    "ingested" = false,
    "escalatedAt" = NULL,
    "csatRating" = NULL,
    "latencySamplesMs" = '{}',
    "flowsStarted" = '{}',
    "flowsCompleted" = '{}',
    "flowsActiveAtEscalation" = '{}'
  WHERE "id" = ANY (p_ids);
  GET DIAGNOSTICS v_rebuilt = ROW_COUNT;
  UPDATE "ConversationState" SET
    "eventAssistantName" = NULL,
    "eventAssistantVersion" = NULL,
    "eventChannelName" = NULL,
    "userMessageAt" = '{}',
    "botMessageAt" = '{}',
    "flowsActive" = '{}'
  WHERE "conversationId" = ANY (p_ids);

  INSERT INTO "EventReplay"
  SELECT e.* FROM "ConversationEvent" AS e WHERE e."conversationId" = ANY (p_ids);
  DELETE FROM "EventReplay";
  RETURN v_rebuilt;
END;
$$;
