-- The heart of the aggregation: merge a set of events (one batch in stream
-- order, or every event of some conversations during a rebuild) into
-- "Conversation", and record which daily statistics groups became dirty.
--
-- Every rule of SPEC section 4 that concerns one session is here:
--   startDate = earliest event; lastEventAt = latest event
--   assistantName / assistantVersion / channelName / userId / environmentId
--     = from the first event (stream order) that carries one
--   totalNumberOfUserMessages = USER events that are messages (is_user_message)
--   ingested = a SESSION_ENDED or CONVERSATION_INACTIVE arrived
--   escalatedAt = first escalation (escalation flow started or escalation action)
--   csatRating = class of the last CSAT signal
--   flows started / completed / active, and the flows active at the first escalation
--   latency samples = analytics.latency_samples_ms over all user and bot messages
-- Facts must come in stream order across calls (each batch after the previous
-- one); anything that breaks that order (a replayed rejected event, an edited
-- or deleted event, a settings change) goes through analytics.rebuild_conversations.
CREATE OR REPLACE FUNCTION analytics.apply_events(p_facts analytics."EventFact"[])
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_default_assistant text := coalesce(nullif(current_setting('analytics.default_assistant_name', true), ''), 'unknown');
BEGIN
  -- Lock the touched conversations in id order: a concurrent rebuild and this
  -- merge then serialize without deadlock, and the statement below reads their
  -- latest committed state.
  PERFORM 1 FROM "Conversation" AS c
  WHERE c."id" IN (SELECT f."conversationId" FROM unnest(p_facts) AS f)
  ORDER BY c."id"
  FOR NO KEY UPDATE;

  WITH fact AS MATERIALIZED (
    SELECT * FROM unnest(p_facts)
  ),
  prev AS MATERIALIZED (
    SELECT c.* FROM "Conversation" AS c
    WHERE c."id" IN (SELECT f."conversationId" FROM fact AS f)
  ),
  -- What the batch says about each conversation, before settings apply.
  batch AS MATERIALIZED (
    SELECT f."conversationId" AS "id",
           min(f."senderId") AS "senderId",
           min(f."timestamp") AS "firstAt",
           max(f."timestamp") AS "lastAt",
           (array_agg(f."assistantId" ORDER BY f."sequenceNumber") FILTER (WHERE f."assistantId" IS NOT NULL))[1] AS "assistantName",
           (array_agg(f."version" ORDER BY f."sequenceNumber") FILTER (WHERE f."version" IS NOT NULL))[1] AS "version",
           (array_agg(f."channel" ORDER BY f."sequenceNumber") FILTER (WHERE f."channel" IS NOT NULL))[1] AS "channel",
           (array_agg(f."userId" ORDER BY f."sequenceNumber") FILTER (WHERE f."userId" IS NOT NULL))[1] AS "userId",
           (array_agg(f."environmentId" ORDER BY f."sequenceNumber") FILTER (WHERE f."environmentId" IS NOT NULL))[1] AS "environmentId",
           count(*) FILTER (WHERE f."isUserMessage") AS "userMessages",
           coalesce(array_agg(f."timestamp") FILTER (WHERE f."isUserMessage"), '{}') AS "userAt",
           coalesce(array_agg(f."timestamp") FILTER (WHERE f."type" = 'BOT'), '{}') AS "botAt",
           bool_or(f."type" IN ('SESSION_ENDED', 'CONVERSATION_INACTIVE')) AS "ended",
           coalesce(array_agg(f."flowId") FILTER (WHERE f."type" = 'FLOW_STARTED'), '{}') AS "flowsStarted",
           coalesce(array_agg(f."flowId") FILTER (WHERE f."type" = 'FLOW_COMPLETED'), '{}') AS "flowsCompleted"
    FROM fact AS f
    GROUP BY f."conversationId"
  ),
  -- The assistant each conversation belongs to after this batch, with its settings.
  owner AS MATERIALIZED (
    SELECT b."id", s.*
    FROM batch AS b
    LEFT JOIN prev AS p ON p."id" = b."id"
    CROSS JOIN LATERAL analytics.assistant_settings(
      coalesce(p."eventAssistantName", b."assistantName", p."defaultAssistantName", v_default_assistant)) AS s
  ),
  -- Escalation and CSAT signals, judged with the owner's settings.
  signal AS MATERIALIZED (
    SELECT f."conversationId" AS "id", f."sequenceNumber" AS "seq", f."timestamp", f."type", f."flowId",
           (f."type" = 'FLOW_STARTED' AND f."flowId" = ANY (o."escalationFlows"))
             OR (f."type" = 'ACTION' AND f."name" = ANY (o."escalationActions")) AS "isEscalation",
           CASE
             WHEN f."type" = 'FLOW_STARTED' AND f."flowId" = o."csatFlow" THEN 'UNANSWERED'::"CsatRating"
             WHEN f."type" = 'SLOT' AND f."name" = o."csatSlot" AND jsonb_typeof(f."slotValue") <> 'null' THEN
               CASE
                 WHEN lower(f."slotValue" #>> '{}') = ANY (o."csatSatisfiedValues") THEN 'SATISFIED'::"CsatRating"
                 WHEN lower(f."slotValue" #>> '{}') = ANY (o."csatUnsatisfiedValues") THEN 'UNSATISFIED'::"CsatRating"
                 ELSE 'UNANSWERED'::"CsatRating"
               END
           END AS "csat"
    FROM fact AS f
    JOIN owner AS o ON o."id" = f."conversationId"
    WHERE f."type" IN ('FLOW_STARTED', 'FLOW_COMPLETED', 'FLOW_CANCELLED', 'ACTION', 'SLOT')
  ),
  -- The first escalation of each conversation that was not escalated before.
  escalation AS (
    SELECT DISTINCT ON (s."id") s."id", s."seq", s."timestamp"
    FROM signal AS s
    LEFT JOIN prev AS p ON p."id" = s."id"
    WHERE s."isEscalation" AND p."escalatedAt" IS NULL
    ORDER BY s."id", s."seq"
  ),
  last_csat AS (
    SELECT DISTINCT ON (s."id") s."id", s."csat"
    FROM signal AS s
    WHERE s."csat" IS NOT NULL
    ORDER BY s."id", s."seq" DESC
  ),
  -- Per flow: is it active after the batch, and at the escalation? A flow is
  -- active when its last start/complete/cancel event was a start (an
  -- interrupted flow stays active). NULL: this batch does not decide it.
  flow_event AS (
    SELECT s."id", s."flowId",
           (array_agg(s."type" ORDER BY s."seq" DESC))[1] = 'FLOW_STARTED' AS "activeAfter",
           (array_agg(s."type" ORDER BY s."seq" DESC) FILTER (WHERE s."seq" <= e."seq"))[1] = 'FLOW_STARTED' AS "activeAtEscalation"
    FROM signal AS s
    LEFT JOIN escalation AS e ON e."id" = s."id"
    WHERE s."type" IN ('FLOW_STARTED', 'FLOW_COMPLETED', 'FLOW_CANCELLED') AND s."flowId" IS NOT NULL
    GROUP BY s."id", s."flowId"
  ),
  flow_state AS (
    SELECT fe."id",
           array_agg(fe."flowId") AS "decided",
           coalesce(array_agg(fe."flowId") FILTER (WHERE fe."activeAfter"), '{}') AS "active",
           coalesce(array_agg(fe."flowId") FILTER (WHERE fe."activeAtEscalation" IS NOT NULL), '{}') AS "decidedAtEscalation",
           coalesce(array_agg(fe."flowId") FILTER (WHERE fe."activeAtEscalation"), '{}') AS "activeAtEscalation"
    FROM flow_event AS fe
    GROUP BY fe."id"
  ),
  merged AS (
    SELECT b."id",
           coalesce(p."senderId", b."senderId") AS "senderId",
           coalesce(p."defaultAssistantName", v_default_assistant) AS "defaultAssistantName",
           coalesce(p."eventAssistantName", b."assistantName") AS "eventAssistantName",
           coalesce(p."eventAssistantVersion", b."version") AS "eventAssistantVersion",
           coalesce(p."eventChannelName", b."channel") AS "eventChannelName",
           coalesce(p."userId", b."userId") AS "userId",
           coalesce(p."environmentId", b."environmentId") AS "environmentId",
           least(p."startDate", b."firstAt") AS "startDate",
           greatest(p."lastEventAt", b."lastAt") AS "lastEventAt",
           (least(p."startDate", b."firstAt") AT TIME ZONE o."timezone")::date AS "statisticsDate",
           coalesce(p."totalNumberOfUserMessages", 0) + b."userMessages" AS "totalNumberOfUserMessages",
           coalesce(p."ingested", false) OR b."ended" AS "ingested",
           coalesce(p."escalatedAt", e."timestamp") AS "escalatedAt",
           coalesce(k."csat", p."csatRating") AS "csatRating",
           array(SELECT t FROM unnest(coalesce(p."userMessageAt", '{}') || b."userAt") AS t ORDER BY t) AS "userMessageAt",
           array(SELECT t FROM unnest(coalesce(p."botMessageAt", '{}') || b."botAt") AS t ORDER BY t) AS "botMessageAt",
           analytics.text_set(coalesce(p."flowsStarted", '{}') || b."flowsStarted") AS "flowsStarted",
           analytics.text_set(coalesce(p."flowsCompleted", '{}') || b."flowsCompleted") AS "flowsCompleted",
           analytics.text_set(analytics.text_set_except(coalesce(p."flowsActive", '{}'), fs."decided")
                              || coalesce(fs."active", '{}')) AS "flowsActive",
           CASE
             WHEN p."escalatedAt" IS NOT NULL THEN p."flowsActiveAtEscalation"
             WHEN e."id" IS NOT NULL THEN
               analytics.text_set(analytics.text_set_except(coalesce(p."flowsActive", '{}'), fs."decidedAtEscalation")
                                  || coalesce(fs."activeAtEscalation", '{}'))
             ELSE '{}'
           END AS "flowsActiveAtEscalation",
           b."userMessages" > 0 OR cardinality(b."botAt") > 0 AS "latencyMayChange"
    FROM batch AS b
    JOIN owner AS o ON o."id" = b."id"
    LEFT JOIN prev AS p ON p."id" = b."id"
    LEFT JOIN escalation AS e ON e."id" = b."id"
    LEFT JOIN last_csat AS k ON k."id" = b."id"
    LEFT JOIN flow_state AS fs ON fs."id" = b."id"
  ),
  upserted AS (
    INSERT INTO "Conversation" AS c (
      "id", "senderId", "defaultAssistantName", "eventAssistantName", "eventAssistantVersion",
      "eventChannelName", "userId", "environmentId", "startDate", "lastEventAt", "statisticsDate",
      "totalNumberOfUserMessages", "ingested", "escalatedAt", "csatRating", "userMessageAt",
      "botMessageAt", "latencySamplesMs", "flowsStarted", "flowsCompleted", "flowsActive",
      "flowsActiveAtEscalation")
    SELECT m."id", m."senderId", m."defaultAssistantName", m."eventAssistantName", m."eventAssistantVersion",
           m."eventChannelName", m."userId", m."environmentId", m."startDate", m."lastEventAt", m."statisticsDate",
           m."totalNumberOfUserMessages", m."ingested", m."escalatedAt", m."csatRating", m."userMessageAt",
           m."botMessageAt",
           CASE WHEN m."latencyMayChange" OR p."id" IS NULL
                THEN analytics.latency_samples_ms(m."userMessageAt", m."botMessageAt")
                ELSE p."latencySamplesMs" END,
           m."flowsStarted", m."flowsCompleted", m."flowsActive", m."flowsActiveAtEscalation"
    FROM merged AS m
    LEFT JOIN prev AS p ON p."id" = m."id"
    ON CONFLICT ("id") DO UPDATE SET
      "eventAssistantName" = excluded."eventAssistantName",
      "eventAssistantVersion" = excluded."eventAssistantVersion",
      "eventChannelName" = excluded."eventChannelName",
      "userId" = excluded."userId",
      "environmentId" = excluded."environmentId",
      "startDate" = excluded."startDate",
      "lastEventAt" = excluded."lastEventAt",
      "statisticsDate" = excluded."statisticsDate",
      "totalNumberOfUserMessages" = excluded."totalNumberOfUserMessages",
      "ingested" = excluded."ingested",
      "escalatedAt" = excluded."escalatedAt",
      "csatRating" = excluded."csatRating",
      "userMessageAt" = excluded."userMessageAt",
      "botMessageAt" = excluded."botMessageAt",
      "latencySamplesMs" = excluded."latencySamplesMs",
      "flowsStarted" = excluded."flowsStarted",
      "flowsCompleted" = excluded."flowsCompleted",
      "flowsActive" = excluded."flowsActive",
      "flowsActiveAtEscalation" = excluded."flowsActiveAtEscalation"
    RETURNING c.*
  ),
  -- A conversation's old and new groups are dirty when anything the statistics
  -- read of it changed (a new conversation always does).
  changed AS (
    SELECT n."id", p."id" IS NULL AS "isNew",
           p."assistantName" AS "oldAssistant", p."statisticsDate" AS "oldDate",
           p."channelName" AS "oldChannel", p."assistantVersion" AS "oldVersion", p."flowsStarted" AS "oldFlows",
           n."assistantName", n."statisticsDate", n."channelName", n."assistantVersion", n."flowsStarted"
    FROM upserted AS n
    LEFT JOIN prev AS p ON p."id" = n."id"
    WHERE p."id" IS NULL
       OR (p."assistantName", p."statisticsDate", p."channelName", p."assistantVersion",
           p."escalatedAt" IS NULL, p."csatRating", p."latencySamplesMs", p."flowsStarted",
           p."flowsCompleted", p."flowsActiveAtEscalation")
          IS DISTINCT FROM
          (n."assistantName", n."statisticsDate", n."channelName", n."assistantVersion",
           n."escalatedAt" IS NULL, n."csatRating", n."latencySamplesMs", n."flowsStarted",
           n."flowsCompleted", n."flowsActiveAtEscalation")
  ),
  dirty_version AS (
    INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
    SELECT DISTINCT g.* FROM (
      SELECT ch."assistantName", ch."statisticsDate", ch."channelName", ch."assistantVersion" FROM changed AS ch
      UNION ALL
      SELECT ch."oldAssistant", ch."oldDate", ch."oldChannel", ch."oldVersion" FROM changed AS ch WHERE NOT ch."isNew"
    ) AS g
  ),
  dirty_flow AS (
    INSERT INTO "DirtyFlowStatistics" ("assistantName", "date", "flowName")
    SELECT DISTINCT g.* FROM (
      SELECT ch."assistantName", ch."statisticsDate", fl FROM changed AS ch, unnest(ch."flowsStarted") AS fl
      UNION ALL
      SELECT ch."oldAssistant", ch."oldDate", fl FROM changed AS ch, unnest(ch."oldFlows") AS fl WHERE NOT ch."isNew"
    ) AS g
  ),
  -- Models: created on first sight; lastSeenAt is moved on by the refresh, so
  -- concurrent loaders never wait on each other for a model row.
  model AS (
    SELECT f."modelId",
           (array_agg(f."modelIdText" ORDER BY f."sequenceNumber"))[1] AS "modelIdText",
           (array_agg(f."modelName" ORDER BY f."sequenceNumber") FILTER (WHERE f."modelName" IS NOT NULL))[1] AS "modelName",
           (array_agg(coalesce(f."assistantId", v_default_assistant) ORDER BY f."sequenceNumber"))[1] AS "assistantName",
           min(f."timestamp") AS "firstSeenAt",
           max(f."timestamp") AS "lastSeenAt"
    FROM fact AS f
    WHERE f."modelId" IS NOT NULL
    GROUP BY f."modelId"
  ),
  new_model AS (
    INSERT INTO "MachineLearningModel" ("id", "modelId", "modelName", "assistantName", "firstSeenAt", "lastSeenAt")
    SELECT m."modelId", m."modelIdText", m."modelName", m."assistantName", m."firstSeenAt", m."lastSeenAt"
    FROM model AS m
    ON CONFLICT ("id") DO NOTHING
  )
  INSERT INTO "DirtyModel" ("modelId", "modelName", "firstSeenAt", "lastSeenAt")
  SELECT m."modelId", m."modelName", m."firstSeenAt", m."lastSeenAt" FROM model AS m;
END;
$$;
