-- migrate:up
-- Rows stored before the SPEC revision of 2026-12-01 follow it
-- (docs/decisions.md, "Rows stored before the revision"). Hand-written, not
-- generated: it changes data, and runs once.

-- 1. actionText: the executed action's name on ACTION events (an end-to-end
--    bot action without one: its action_text), NULL on every other type, as
--    the loader decodes it now. No statistic reads actionText, so the update
--    trigger, which would queue a rebuild of every conversation touched, is
--    kept out of it.
ALTER TABLE public."ConversationEvent" DISABLE TRIGGER conversation_event_after_update;
WITH corrected AS (
  SELECT e."id",
         CASE WHEN e."type" = 'ACTION' THEN
           coalesce(nullif(e."name", ''),
                    CASE WHEN jsonb_typeof(e."rawData" -> 'action_text') = 'string' THEN e."rawData" ->> 'action_text' END)
         END AS "actionText"
  FROM public."ConversationEvent" AS e
  WHERE e."type" = 'ACTION' OR e."actionText" IS NOT NULL
)
UPDATE public."ConversationEvent" AS e
SET "actionText" = c."actionText"
FROM corrected AS c
WHERE e."id" = c."id" AND e."actionText" IS DISTINCT FROM c."actionText";
ALTER TABLE public."ConversationEvent" ENABLE TRIGGER conversation_event_after_update;

-- 2. A session_started_metadata slot whose sender's next event without a
--    session_id is action_session_start opens that session: the action's
--    session takes the slot and the id derived from it. Found in each
--    affected sender's stream (sequenceNumber order, as the loader reads it).
CREATE TEMP TABLE start_slot ON COMMIT DROP AS
WITH sender AS (
  SELECT DISTINCT e."senderId"
  FROM public."ConversationEvent" AS e
  WHERE e."type" = 'SLOT' AND e."name" = 'session_started_metadata'
),
stream AS (
  SELECT e."id", e."senderId", e."conversationId", e."type", e."name", e."metadata",
         lead(e."type") OVER w AS "nextType",
         lead(e."name") OVER w AS "nextName",
         lead(e."conversationId") OVER w AS "nextConversationId"
  FROM public."ConversationEvent" AS e
  WHERE e."senderId" IN (SELECT s."senderId" FROM sender AS s)
    AND NOT coalesce(jsonb_typeof(e."metadata" -> 'session_id') = 'string' AND e."metadata" ->> 'session_id' <> '', false)
  WINDOW w AS (PARTITION BY e."senderId" ORDER BY e."sequenceNumber")
)
SELECT s."id" AS "slotId", s."senderId", s."conversationId" AS "slotConversationId",
       s."nextConversationId" AS "actionConversationId",
       s."nextType" IS NULL AS "trailing",
       analytics.uuid_v5(
         coalesce(CASE WHEN jsonb_typeof(s."metadata" -> 'assistant_id') = 'string'
                       THEN nullif(s."metadata" ->> 'assistant_id', '') END,
                  c."defaultAssistantName")
         || '|' || s."senderId" || '|' || s."id"::text) AS "opens"
FROM stream AS s
JOIN public."Conversation" AS c ON c."id" = s."conversationId"
WHERE s."type" = 'SLOT' AND s."name" = 'session_started_metadata'
  AND ((s."nextType" = 'ACTION' AND s."nextName" = 'action_session_start') OR s."nextType" IS NULL);

-- The reviewers' columns of the sessions that get a new id go with them.
CREATE TEMP TABLE start_slot_review ON COMMIT DROP AS
SELECT s."opens", c."reviewState", c."lastReviewedAt"
FROM start_slot AS s
JOIN public."Conversation" AS c ON c."id" = s."actionConversationId"
WHERE NOT s."trailing" AND (c."reviewState" <> 'UNREVIEWED' OR c."lastReviewedAt" IS NOT NULL);

-- The sessions with a new id keep the default assistant name their events
-- were loaded with (the loader's --assistant-name; the rebuild keeps it).
INSERT INTO public."Conversation" ("id", "senderId", "defaultAssistantName", "startDate", "lastEventAt", "statisticsDate")
SELECT DISTINCT ON (s."opens") s."opens", c."senderId", c."defaultAssistantName", 'infinity', '-infinity', c."statisticsDate"
FROM start_slot AS s
JOIN public."Conversation" AS c ON c."id" = s."actionConversationId"
WHERE NOT s."trailing"
ON CONFLICT ("id") DO NOTHING;

-- Every event of the action's session moves to the session the slot opens;
-- then each such slot moves there itself (a slot that was in the session of an
-- earlier start slot moved with it first). move_events queues every
-- conversation left or joined for the rebuild below.
SELECT analytics.move_events(array_agg(e."id"), array_agg(s."opens"))
FROM start_slot AS s
JOIN public."ConversationEvent" AS e ON e."conversationId" = s."actionConversationId"
WHERE NOT s."trailing";

SELECT analytics.move_events(array_agg(s."slotId"), array_agg(s."opens"))
FROM start_slot AS s
WHERE NOT s."trailing";

-- The senders' states: a current session that got a new id, and a slot that
-- ends a sender's stream so far (it opens a session if the action comes next).
UPDATE analytics."SenderSession" AS ss
SET "conversationId" = s."opens", "updatedAt" = now()
FROM start_slot AS s
WHERE NOT s."trailing" AND ss."conversationId" = s."actionConversationId";

UPDATE analytics."SenderSession" AS ss
SET "startSlotEventId" = s."slotId", "startSlotConversationId" = s."opens", "updatedAt" = now()
FROM start_slot AS s
WHERE s."trailing" AND ss."senderId" = s."senderId";

-- 3. Flow automatedCount: every FlowDailyStatistics row is recomputed.
INSERT INTO analytics."DirtyFlowStatistics" ("assistantName", "date", "flowName")
SELECT f."assistantName", f."date", f."flowName" FROM public."FlowDailyStatistics" AS f;

-- Rebuild the moved sessions and refresh every statistics group they or the
-- flow rows touch, in this transaction.
SELECT analytics.refresh_statistics(true);

UPDATE public."Conversation" AS c
SET "reviewState" = r."reviewState", "lastReviewedAt" = r."lastReviewedAt"
FROM start_slot_review AS r
WHERE c."id" = r."opens";

-- migrate:down
-- Nothing to undo: the corrected rows are what the SPEC says, and the previous
-- rules cannot be re-derived from them.
