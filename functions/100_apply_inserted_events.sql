-- The heart of the aggregation. Statement-level AFTER INSERT trigger function
-- on ConversationEvent: it merges the whole batch just inserted (the
-- transition table new_events) into "Conversation" at once, and records which
-- daily statistics groups became dirty. Rebuilds run it too, by inserting a
-- conversation's stored events into analytics."EventReplay", which carries the
-- same trigger.
--
-- Every metric rule that concerns one session (docs/metrics.md) is here:
--   startDate = earliest event; lastEventAt = latest event
--   assistantName / assistantVersion / channelName / userId / environmentId
--     = from the first event (stream order) that carries one
--   totalNumberOfUserMessages = USER events that are messages (is_user_message)
--   ingested = a SESSION_ENDED or CONVERSATION_INACTIVE arrived
--   escalatedAt = first escalation (escalation flow started or escalation action)
--   csatRating = class of the last CSAT signal
--   flows started / completed / active, and the flows active at the first escalation
--   latency samples: per user message, ms until the first bot message at or after it
-- and what that changes in the daily statistics groups is queued for the
-- refresh (analytics.queue_statistics_deltas).
-- Batches must come in stream order (each batch after the previous
-- one); anything that breaks that order (a replayed rejected event, an edited
-- or deleted event, a settings change) goes through analytics.rebuild_conversations.
-- Concurrency: one loader owns a sender's stream, so only a rebuild can change
-- a conversation under this merge; rebuilds lock the table against inserts
-- (SHARE ROW EXCLUSIVE), and this statement, which writes "Conversation",
-- takes its lock before its snapshot, so it always merges into the latest rows.
CREATE OR REPLACE FUNCTION analytics.apply_inserted_events()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_default_assistant text := coalesce(nullif(current_setting('analytics.default_assistant_name', true), ''), 'unknown');
  v_old "Conversation"[];
  v_new "Conversation"[];
BEGIN
  WITH fact AS MATERIALIZED (
    -- what the aggregation needs of each event
    SELECT n."conversationId", n."sequenceNumber", n."timestamp", n."type", n."senderId",
           analytics.identifier(n."metadata" -> 'assistant_id') AS "assistantId",
           analytics.identifier(n."metadata" -> 'model_id') AS "modelIdText",
           analytics.identifier(n."metadata" -> 'model_name') AS "modelName",
           n."modelId",
           CASE WHEN n."type" = 'USER' THEN analytics.identifier(n."rawData" -> 'input_channel') END AS "channel",
           analytics.identifier(n."rawData" -> 'user_id') AS "userId",
           n."environmentId",
           analytics.is_user_message(n."type", n."rawData", n."metadata") AS "isUserMessage",
           n."name", n."flowId", n."slotValue"
    FROM new_events AS n
  ),
  prev AS MATERIALIZED (
    SELECT c.* FROM "Conversation" AS c
    WHERE c."id" = ANY (array(SELECT DISTINCT f."conversationId" FROM fact AS f))
  ),
  -- their working state (analytics."ConversationState"): where their assistant,
  -- version and channel came from, message instants, the flows active now
  prev_state AS MATERIALIZED (
    SELECT s.* FROM "ConversationState" AS s
    WHERE s."conversationId" IN (SELECT p."id" FROM prev AS p)
  ),
  -- What the batch says about each conversation, before settings apply.
  batch_seq AS MATERIALIZED (
    SELECT f."conversationId" AS "id",
           min(f."senderId") AS "senderId",
           min(f."timestamp") AS "firstAt",
           max(f."timestamp") AS "lastAt",
           count(*) FILTER (WHERE f."isUserMessage") AS "userMessages",
           bool_or(f."type" IN ('SESSION_ENDED', 'CONVERSATION_INACTIVE')) AS "ended",
           -- where the first event carrying each field is (no sorting needed)
           min(f."sequenceNumber") FILTER (WHERE f."assistantId" IS NOT NULL) AS "assistantAt",
           min(f."sequenceNumber") FILTER (WHERE f."modelName" IS NOT NULL OR f."modelIdText" IS NOT NULL) AS "versionAt",
           min(f."sequenceNumber") FILTER (WHERE f."channel" IS NOT NULL) AS "channelAt",
           min(f."sequenceNumber") FILTER (WHERE f."userId" IS NOT NULL) AS "userAt",
           min(f."sequenceNumber") FILTER (WHERE f."environmentId" IS NOT NULL) AS "environmentAt"
    FROM fact AS f
    GROUP BY f."conversationId"
  ),
  batch AS MATERIALIZED (
    SELECT b."id", b."senderId", b."firstAt", b."lastAt", b."userMessages", b."ended",
           max(f."assistantId") FILTER (WHERE f."sequenceNumber" = b."assistantAt") AS "assistantName",
           max(coalesce(f."modelName", f."modelIdText")) FILTER (WHERE f."sequenceNumber" = b."versionAt") AS "version",
           max(f."channel") FILTER (WHERE f."sequenceNumber" = b."channelAt") AS "channel",
           max(f."userId") FILTER (WHERE f."sequenceNumber" = b."userAt") AS "userId",
           (array_agg(f."environmentId") FILTER (WHERE f."sequenceNumber" = b."environmentAt"))[1] AS "environmentId"
    FROM batch_seq AS b
    LEFT JOIN (
      SELECT f.* FROM fact AS f
      WHERE f."sequenceNumber" IN (SELECT unnest(ARRAY[w."assistantAt", w."versionAt", w."channelAt", w."userAt", w."environmentAt"])
                                   FROM batch_seq AS w)
    ) AS f ON f."conversationId" = b."id"
    GROUP BY b."id", b."senderId", b."firstAt", b."lastAt", b."userMessages", b."ended"
  ),
  -- The assistant each conversation belongs to after this batch, with its
  -- settings (looked up once per assistant).
  belongs AS MATERIALIZED (
    SELECT b."id", coalesce(ps."eventAssistantName", b."assistantName", ps."defaultAssistantName", v_default_assistant) AS "assistantName"
    FROM batch AS b
    LEFT JOIN prev_state AS ps ON ps."conversationId" = b."id"
  ),
  setting AS MATERIALIZED (
    SELECT a."assistantName", s.*
    FROM (SELECT DISTINCT b."assistantName" FROM belongs AS b) AS a
    CROSS JOIN LATERAL analytics.assistant_settings(a."assistantName") AS s
  ),
  owner AS MATERIALIZED (
    SELECT b."id", s.*
    FROM belongs AS b
    JOIN setting AS s USING ("assistantName")
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
  -- The batch's first escalation of each conversation (it counts when the
  -- conversation was not escalated before: see merged).
  escalation AS MATERIALIZED (
    SELECT DISTINCT ON (s."id") s."id", s."seq", s."timestamp"
    FROM signal AS s
    WHERE s."isEscalation"
    ORDER BY s."id", s."seq"
  ),
  last_csat AS (
    SELECT DISTINCT ON (s."id") s."id", s."csat"
    FROM signal AS s
    WHERE s."csat" IS NOT NULL
    ORDER BY s."id", s."seq" DESC
  ),
  -- Flows, per (conversation, flow) seen in the batch. A flow is active when its
  -- last start/complete/cancel event was a start (an interrupted flow stays
  -- active); "active" and "activeAtEscalation" are NULL when the batch does not
  -- decide them, and the state before the batch holds.
  -- (max of [position, is a start] is the last such event, no sorting needed.)
  flow_event AS MATERIALIZED (
    SELECT s."id", s."flowId" AS "flow",
           bool_or(s."type" = 'FLOW_STARTED') AS "started",
           bool_or(s."type" = 'FLOW_COMPLETED') AS "completed",
           (max(ARRAY[s."seq", (s."type" = 'FLOW_STARTED')::int]))[2] = 1 AS "active",
           (max(ARRAY[s."seq", (s."type" = 'FLOW_STARTED')::int]) FILTER (WHERE s."seq" <= e."seq"))[2] = 1 AS "activeAtEscalation"
    FROM signal AS s
    LEFT JOIN escalation AS e ON e."id" = s."id"
    WHERE s."type" IN ('FLOW_STARTED', 'FLOW_COMPLETED', 'FLOW_CANCELLED') AND s."flowId" IS NOT NULL
    GROUP BY s."id", s."flowId"
  ),
  -- ... merged with the flow lists of those conversations before the batch.
  flow AS (
    SELECT u."id", u."flow",
           bool_or(u."started") AS "started",
           bool_or(u."completed") AS "completed",
           coalesce(bool_or(u."active"), bool_or(u."activeBefore")) AS "active",
           coalesce(bool_or(u."activeAtEscalation"), bool_or(u."activeBefore")) AS "activeAtEscalation"
    FROM (
      SELECT fe."id", fe."flow", fe."started", fe."completed", fe."active", fe."activeAtEscalation",
             NULL::boolean AS "activeBefore"
      FROM flow_event AS fe
      UNION ALL
      SELECT p."id", fl, fl = ANY (p."flowsStarted"), fl = ANY (p."flowsCompleted"), NULL, NULL,
             fl = ANY (ps."flowsActive")
      FROM prev AS p
      LEFT JOIN prev_state AS ps ON ps."conversationId" = p."id",
      unnest(p."flowsStarted" || p."flowsCompleted" || coalesce(ps."flowsActive", '{}')) AS fl
      WHERE p."id" IN (SELECT fe."id" FROM flow_event AS fe)
    ) AS u
    GROUP BY u."id", u."flow"
  ),
  flow_list AS (
    SELECT f."id",
           coalesce(array_agg(f."flow" ORDER BY f."flow") FILTER (WHERE f."started"), '{}') AS "flowsStarted",
           coalesce(array_agg(f."flow" ORDER BY f."flow") FILTER (WHERE f."completed"), '{}') AS "flowsCompleted",
           coalesce(array_agg(f."flow" ORDER BY f."flow") FILTER (WHERE f."active"), '{}') AS "flowsActive",
           coalesce(array_agg(f."flow" ORDER BY f."flow") FILTER (WHERE f."activeAtEscalation"), '{}') AS "flowsActiveAtEscalation"
    FROM flow AS f
    GROUP BY f."id"
  ),
  -- Latency, for conversations with new user or bot messages: all their message
  -- times, old and new. Walking each conversation newest first, the running
  -- minimum of bot times is the first bot message at or after each user
  -- message (a bot message at the same instant counts); a user message with no
  -- bot message after it gives no sample.
  message AS (
    SELECT f."conversationId" AS "id", f."timestamp" AS "at", f."type" = 'BOT' AS "isBot"
    FROM fact AS f
    WHERE f."isUserMessage" OR f."type" = 'BOT'
  ),
  all_message AS (
    SELECT m."id", m."at", m."isBot" FROM message AS m
    UNION ALL
    SELECT ps."conversationId", t, false FROM prev_state AS ps, unnest(ps."userMessageAt") AS t
    WHERE ps."conversationId" IN (SELECT m."id" FROM message AS m)
    UNION ALL
    SELECT ps."conversationId", t, true FROM prev_state AS ps, unnest(ps."botMessageAt") AS t
    WHERE ps."conversationId" IN (SELECT m."id" FROM message AS m)
  ),
  latency AS (
    SELECT r."id",
           coalesce(array_agg(r."at" ORDER BY r."at") FILTER (WHERE NOT r."isBot"), '{}') AS "userMessageAt",
           coalesce(array_agg(r."at" ORDER BY r."at") FILTER (WHERE r."isBot"), '{}') AS "botMessageAt",
           coalesce(array_agg(r."ms"::double precision ORDER BY r."at") FILTER (WHERE NOT r."isBot" AND r."ms" IS NOT NULL), '{}') AS "latencySamplesMs"
    FROM (
      SELECT a.*,
             extract(epoch FROM min(a."at") FILTER (WHERE a."isBot") OVER newest_first - a."at") * 1000 AS "ms"
      FROM all_message AS a
      WINDOW newest_first AS (PARTITION BY a."id" ORDER BY a."at" DESC, a."isBot" DESC ROWS UNBOUNDED PRECEDING)
    ) AS r
    GROUP BY r."id"
  ),
  merged AS (
    SELECT b."id",
           coalesce(p."senderId", b."senderId") AS "senderId",
           o."assistantName",
           coalesce(ps."eventAssistantVersion", b."version", 'unknown') AS "assistantVersion",
           coalesce(ps."eventChannelName", b."channel", 'unknown') AS "channelName",
           coalesce(p."userId", b."userId") AS "userId",
           coalesce(p."environmentId", b."environmentId") AS "environmentId",
           least(p."startDate", b."firstAt") AS "startDate",
           greatest(p."lastEventAt", b."lastAt") AS "lastEventAt",
           (least(p."startDate", b."firstAt") AT TIME ZONE o."timezone")::date AS "statisticsDate",
           coalesce(p."totalNumberOfUserMessages", 0) + b."userMessages" AS "totalNumberOfUserMessages",
           coalesce(p."ingested", false) OR b."ended" AS "ingested",
           coalesce(p."escalatedAt", e."timestamp") AS "escalatedAt",
           coalesce(k."csat", p."csatRating") AS "csatRating",
           coalesce(l."latencySamplesMs", p."latencySamplesMs", '{}') AS "latencySamplesMs",
           coalesce(fl."flowsStarted", p."flowsStarted", '{}') AS "flowsStarted",
           coalesce(fl."flowsCompleted", p."flowsCompleted", '{}') AS "flowsCompleted",
           CASE
             WHEN p."escalatedAt" IS NOT NULL THEN p."flowsActiveAtEscalation"
             WHEN e."id" IS NOT NULL THEN coalesce(fl."flowsActiveAtEscalation", ps."flowsActive", '{}')
             ELSE '{}'
           END AS "flowsActiveAtEscalation",
           -- working state, written only when the batch changed it
           ps."conversationId" IS NULL OR l."id" IS NOT NULL OR fl."id" IS NOT NULL
             OR (ps."eventAssistantName" IS NULL AND b."assistantName" IS NOT NULL)
             OR (ps."eventAssistantVersion" IS NULL AND b."version" IS NOT NULL)
             OR (ps."eventChannelName" IS NULL AND b."channel" IS NOT NULL) AS "stateChanged",
           coalesce(ps."defaultAssistantName", v_default_assistant) AS "defaultAssistantName",
           coalesce(ps."eventAssistantName", b."assistantName") AS "eventAssistantName",
           coalesce(ps."eventAssistantVersion", b."version") AS "eventAssistantVersion",
           coalesce(ps."eventChannelName", b."channel") AS "eventChannelName",
           coalesce(l."userMessageAt", ps."userMessageAt", '{}') AS "userMessageAt",
           coalesce(l."botMessageAt", ps."botMessageAt", '{}') AS "botMessageAt",
           coalesce(fl."flowsActive", ps."flowsActive", '{}') AS "flowsActive"
    FROM batch AS b
    JOIN owner AS o ON o."id" = b."id"
    LEFT JOIN prev AS p ON p."id" = b."id"
    LEFT JOIN prev_state AS ps ON ps."conversationId" = b."id"
    LEFT JOIN escalation AS e ON e."id" = b."id"
    LEFT JOIN last_csat AS k ON k."id" = b."id"
    LEFT JOIN flow_list AS fl ON fl."id" = b."id"
    LEFT JOIN latency AS l ON l."id" = b."id"
  ),
  upserted AS (
    INSERT INTO "Conversation" AS c (
      "id", "senderId", "assistantName", "assistantVersion", "channelName",
      "userId", "environmentId", "startDate", "lastEventAt", "statisticsDate",
      "totalNumberOfUserMessages", "ingested", "escalatedAt", "csatRating", "latencySamplesMs",
      "flowsStarted", "flowsCompleted", "flowsActiveAtEscalation")
    SELECT m."id", m."senderId", m."assistantName", m."assistantVersion", m."channelName",
           m."userId", m."environmentId", m."startDate", m."lastEventAt", m."statisticsDate",
           m."totalNumberOfUserMessages", m."ingested", m."escalatedAt", m."csatRating", m."latencySamplesMs",
           m."flowsStarted", m."flowsCompleted", m."flowsActiveAtEscalation"
    FROM merged AS m
    ON CONFLICT ("id") DO UPDATE SET
      "assistantName" = excluded."assistantName",
      "assistantVersion" = excluded."assistantVersion",
      "channelName" = excluded."channelName",
      "userId" = excluded."userId",
      "environmentId" = excluded."environmentId",
      "startDate" = excluded."startDate",
      "lastEventAt" = excluded."lastEventAt",
      "statisticsDate" = excluded."statisticsDate",
      "totalNumberOfUserMessages" = excluded."totalNumberOfUserMessages",
      "ingested" = excluded."ingested",
      "escalatedAt" = excluded."escalatedAt",
      "csatRating" = excluded."csatRating",
      "latencySamplesMs" = excluded."latencySamplesMs",
      "flowsStarted" = excluded."flowsStarted",
      "flowsCompleted" = excluded."flowsCompleted",
      "flowsActiveAtEscalation" = excluded."flowsActiveAtEscalation"
    RETURNING c.*
  ),
  state_upserted AS (
    INSERT INTO "ConversationState" AS s ("conversationId", "defaultAssistantName", "eventAssistantName",
      "eventAssistantVersion", "eventChannelName", "userMessageAt", "botMessageAt", "flowsActive")
    SELECT m."id", m."defaultAssistantName", m."eventAssistantName", m."eventAssistantVersion",
           m."eventChannelName", m."userMessageAt", m."botMessageAt", m."flowsActive"
    FROM merged AS m
    WHERE m."stateChanged"
    ON CONFLICT ("conversationId") DO UPDATE SET
      "eventAssistantName" = excluded."eventAssistantName",
      "eventAssistantVersion" = excluded."eventAssistantVersion",
      "eventChannelName" = excluded."eventChannelName",
      "userMessageAt" = excluded."userMessageAt",
      "botMessageAt" = excluded."botMessageAt",
      "flowsActive" = excluded."flowsActive"
  ),
  -- The conversations whose statistics changed, in their old and new state:
  -- the old one is taken out of its groups and the new one put in (a
  -- conversation that is new, or was reset by a rebuild, had no old state).
  changed AS (
    SELECT p."id" IS NOT NULL AND p."startDate" <> 'infinity' AS "hadState",
           p::"Conversation" AS "oldRow", n::"Conversation" AS "newRow"
    FROM upserted AS n
    LEFT JOIN prev AS p ON p."id" = n."id"
    WHERE p."id" IS NULL OR p."startDate" = 'infinity'
       OR (p."assistantName", p."statisticsDate", p."channelName", p."assistantVersion",
           p."escalatedAt" IS NULL, p."csatRating", p."latencySamplesMs", p."flowsStarted",
           p."flowsCompleted", p."flowsActiveAtEscalation")
          IS DISTINCT FROM
          (n."assistantName", n."statisticsDate", n."channelName", n."assistantVersion",
           n."escalatedAt" IS NULL, n."csatRating", n."latencySamplesMs", n."flowsStarted",
           n."flowsCompleted", n."flowsActiveAtEscalation")
  ),
  -- Models: created on first sight; lastSeenAt is moved on by the refresh, so
  -- concurrent loaders never wait on each other for a model row.
  model AS MATERIALIZED (
    SELECT m."modelId", m."firstSeenAt", m."lastSeenAt", f."modelIdText", m."modelName",
           coalesce(f."assistantId", v_default_assistant) AS "assistantName"
    FROM (SELECT f."modelId", min(f."timestamp") AS "firstSeenAt", max(f."timestamp") AS "lastSeenAt",
                 min(f."sequenceNumber") AS "firstSeq", max(f."modelName") AS "modelName"
          FROM fact AS f
          WHERE f."modelId" IS NOT NULL
          GROUP BY f."modelId") AS m
    JOIN fact AS f ON f."sequenceNumber" = m."firstSeq"
  ),
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
  SELECT array_agg(ch."oldRow") FILTER (WHERE ch."hadState"), array_agg(ch."newRow")
  INTO v_old, v_new
  FROM changed AS ch;

  PERFORM analytics.queue_statistics_deltas(v_old, v_new);
  RETURN NULL;
END;
$$;
