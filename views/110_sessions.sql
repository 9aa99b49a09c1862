-- Sessions: one row per conversation session, in the columns a BI tool wants
-- to filter, group and drill into (Conversation holds the same sessions with
-- internal columns and arrays BI tools handle badly).
--   day                the day the session counts on: its start in the assistant's timezone
--   startDate, lastEventAt  its first and last event; durationSeconds between them
--   totalNumberOfUserMessages  user messages (not the channel's session-start trigger
--                      nor external events such as reminders)
--   numberOfEvents     every stored Rasa event of the session (counted on read: cheap
--                      for the rows shown, a full count when sorting on it)
--   escalated, escalatedAt  handed to a human, and when; automated = NOT escalated
--   csatRating         SATISFIED, UNSATISFIED, UNANSWERED or NULL (never asked)
--   averageLatencyMs, maxLatencyMs  over the session's answered user messages
--   flowsStarted       the flows started in it, comma-separated
--   ingested           the session has ended (session_ended or conversation_inactive arrived)
--   reviewState, lastReviewedAt  set by reviewers
CREATE OR REPLACE VIEW public."Sessions" AS
SELECT c."id",
       c."assistantName",
       c."assistantVersion",
       c."channelName",
       c."senderId",
       c."userId",
       env."name" AS "environmentName",
       c."statisticsDate" AS "day",
       c."startDate",
       c."lastEventAt",
       extract(epoch FROM c."lastEventAt" - c."startDate")::double precision AS "durationSeconds",
       c."totalNumberOfUserMessages",
       (SELECT count(*) FROM public."ConversationEvent" AS e WHERE e."conversationId" = c."id") AS "numberOfEvents",
       c."escalatedAt" IS NOT NULL AS "escalated",
       c."escalatedAt" IS NULL AS "automated",
       c."escalatedAt",
       c."csatRating"::text AS "csatRating",
       cardinality(c."latencySamplesMs") AS "latencySampleCount",
       (SELECT avg(ms) FROM unnest(c."latencySamplesMs") AS ms) AS "averageLatencyMs",
       (SELECT max(ms) FROM unnest(c."latencySamplesMs") AS ms) AS "maxLatencyMs",
       array_to_string(c."flowsStarted", ', ') AS "flowsStarted",
       c."ingested",
       c."reviewState"::text AS "reviewState",
       c."lastReviewedAt"
FROM public."Conversation" AS c
LEFT JOIN public."Environment" AS env ON env."id" = c."environmentId";

COMMENT ON VIEW public."Sessions" IS
  'One row per conversation session for BI drill-down: assistant, version, channel, sender, user, environment, day (start in the assistant timezone), start, last event, durationSeconds, user messages, numberOfEvents, escalated/automated, escalatedAt, csatRating, latency average and maximum, flows started, ingested (ended), review state.';
