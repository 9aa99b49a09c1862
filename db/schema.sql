-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: analytics; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA analytics;


--
-- Name: SCHEMA analytics; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA analytics IS 'Internal: functions, trigger functions and bookkeeping tables of the ingestion and aggregation logic. BI roles get no access.';


--
-- Name: ConversationEventType; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."ConversationEventType" AS ENUM (
    'ACTION',
    'SESSION_STARTED',
    'SLOT',
    'RESET_SLOTS',
    'FLOW_STARTED',
    'FLOW_INTERRUPTED',
    'FLOW_RESUMED',
    'FLOW_COMPLETED',
    'FLOW_CANCELLED',
    'FORM',
    'ACTIVE_LOOP',
    'RESTART',
    'CONVERSATION_INACTIVE',
    'SESSION_ENDED',
    'ENTITIES',
    'FOLLOWUP',
    'ACTION_EXECUTION_REJECTED',
    'STACK',
    'ROUTING_SESSION_ENDED',
    'REMINDER',
    'CANCEL_REMINDER',
    'REWIND',
    'UNDO',
    'EXPORT',
    'PAUSE',
    'RESUME',
    'LOOP_INTERRUPTED',
    'AGENT_STARTED',
    'AGENT_COMPLETED',
    'AGENT_INTERRUPTED',
    'AGENT_CANCELLED',
    'AGENT_RESUMED',
    'USER',
    'BOT',
    'USER_FEATURIZATION',
    'SESSION_PAUSED',
    'AGENT',
    'ERROR'
);


--
-- Name: CsatRating; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."CsatRating" AS ENUM (
    'SATISFIED',
    'UNSATISFIED',
    'UNANSWERED'
);


--
-- Name: ReviewState; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public."ReviewState" AS ENUM (
    'UNREVIEWED',
    'PARTIALLY_REVIEWED',
    'REVIEWED'
);


--
-- Name: apply_inserted_events(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.apply_inserted_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
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


--
-- Name: assistant_settings(text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.assistant_settings(p_assistant_name text) RETURNS TABLE("escalationFlows" text[], "escalationActions" text[], "csatFlow" text, "csatSlot" text, "csatSatisfiedValues" text[], "csatUnsatisfiedValues" text[], timezone text)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT coalesce(a."escalationFlows", d."escalationFlows"),
         coalesce(a."escalationActions", d."escalationActions"),
         coalesce(a."csatFlow", d."csatFlow"),
         coalesce(a."csatSlot", d."csatSlot"),
         (SELECT array_agg(lower(v)) FROM unnest(coalesce(a."csatSatisfiedValues", d."csatSatisfiedValues")) AS v),
         (SELECT array_agg(lower(v)) FROM unnest(coalesce(a."csatUnsatisfiedValues", d."csatUnsatisfiedValues")) AS v),
         coalesce(a."timezone", d."timezone")
  FROM public."AssistantSettings" AS d
  LEFT JOIN public."AssistantSettings" AS a
    ON a."assistantName" = p_assistant_name AND a."assistantName" <> '*'
  WHERE d."assistantName" = '*'
$$;


--
-- Name: create_event_partition(timestamp with time zone); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.create_event_partition(p_at timestamp with time zone) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $_$
DECLARE
  v_unit text;
  v_from timestamptz;
  v_to timestamptz;
  v_name text;
  v_role name;
BEGIN
  IF NOT isfinite(p_at) THEN
    RAISE EXCEPTION 'no partition can hold %', p_at USING ERRCODE = 'invalid_parameter_value';
  END IF;
  LOCK TABLE public."ConversationEvent" IN SHARE UPDATE EXCLUSIVE MODE;
  IF EXISTS (SELECT 1 FROM analytics.event_partitions() AS e WHERE p_at >= e."from" AND p_at < e."to") THEN
    RETURN NULL;
  END IF;
  SELECT s."interval" INTO STRICT v_unit FROM "EventPartitionSettings" AS s;
  v_from := date_trunc(v_unit, p_at);
  v_to := v_from + ('1 ' || v_unit)::interval;
  v_from := greatest(v_from, (SELECT max(e."to") FROM analytics.event_partitions() AS e WHERE e."to" <= p_at));
  v_to := least(v_to, (SELECT min(e."from") FROM analytics.event_partitions() AS e WHERE e."from" > p_at));
  v_name := 'ConversationEvent_p' || to_char(v_from, 'YYYYMMDD');

  LOCK TABLE public."Conversation" IN SHARE ROW EXCLUSIVE MODE;
  LOCK TABLE public."ConversationEvent_default" IN ACCESS EXCLUSIVE MODE;
  EXECUTE format('CREATE TABLE public.%I (LIKE public."ConversationEvent" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
  EXECUTE format('WITH moved AS (DELETE FROM public."ConversationEvent_default" AS d
                                 WHERE d."timestamp" >= $1 AND d."timestamp" < $2 RETURNING d.*)
                  INSERT INTO public.%I SELECT * FROM moved', v_name)
    USING v_from, v_to;
  EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I PRIMARY KEY ("id", "timestamp")', v_name, v_name || '_pkey');
  EXECUTE format('CREATE INDEX %I ON public.%I ("conversationId", "sequenceNumber")', v_name || '_conversationId_idx', v_name);
  EXECUTE format('ALTER TABLE public."ConversationEvent" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                 v_name, v_from, v_to);
  EXECUTE format('CREATE TRIGGER conversation_event_after_insert AFTER INSERT ON public.%I
                  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.apply_inserted_events()', v_name);
  EXECUTE format('ALTER TABLE public.%I ENABLE ALWAYS TRIGGER conversation_event_after_insert', v_name);
  FOR v_role IN SELECT g."role" FROM "RoleGrant" AS g JOIN pg_roles AS r ON r.rolname = g."role" WHERE g."kind" = 'loader' LOOP
    EXECUTE format('GRANT SELECT, INSERT ON TABLE public.%I TO %I', v_name, v_role);
  END LOOP;
  RETURN v_name;
END;
$_$;


--
-- Name: create_loader_role(name, text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.create_loader_role(p_role name, p_password text) RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
  RETURN QUERY SELECT analytics.execute_statements(ARRAY(SELECT analytics.loader_role_statements(p_role, p_password)));
END;
$$;


--
-- Name: create_readonly_role(name, text, boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.create_readonly_role(p_role name, p_password text, p_aggregates_only boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_role_statements(p_role, p_password, p_aggregates_only)));
END;
$$;


--
-- Name: divert_quarantined_deltas(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.divert_quarantined_deltas() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  WITH moved AS (
    DELETE FROM "VersionStatisticsDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version")
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'VersionStatisticsDelta', m."delta" FROM moved AS m;

  WITH moved AS (
    DELETE FROM "LatencySampleDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version")
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'LatencySampleDelta', m."delta" FROM moved AS m;

  WITH moved AS (
    DELETE FROM "FlowStatisticsDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('flow', d."assistantName", d."date", d."flowName", NULL)
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'FlowStatisticsDelta', m."delta" FROM moved AS m;
END;
$$;


--
-- Name: drop_event_partitions(timestamp with time zone); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.drop_event_partitions(p_before timestamp with time zone) RETURNS TABLE(partition text, "from" timestamp with time zone, "to" timestamp with time zone, events bigint)
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
  v_leaf record;
BEGIN
  IF p_before IS NULL OR p_before > now() - interval '1 day' THEN
    RAISE EXCEPTION 'drop_event_partitions(%): retention keeps at least the last day of events', p_before
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM analytics.partition_default_events();
  FOR v_leaf IN SELECT e.* FROM analytics.event_partitions() AS e WHERE e."to" <= p_before ORDER BY e."from" LOOP
    "partition" := v_leaf."partition";
    "from" := v_leaf."from";
    "to" := v_leaf."to";
    EXECUTE format('SELECT count(*) FROM public.%I', v_leaf."partition") INTO "events";
    EXECUTE format('DROP TABLE public.%I', v_leaf."partition");
    INSERT INTO "DroppedEventRange" ("partition", "from", "to", "events")
    VALUES ("partition", "from", "to", "events");
    RETURN NEXT;
  END LOOP;
END;
$$;


--
-- Name: ensure_event_partitions(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.ensure_event_partitions(p_from timestamp with time zone DEFAULT NULL::timestamp with time zone, p_to timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
  v_step interval;
  v_at timestamptz;
  v_to timestamptz;
  v_next timestamptz;
  v_made integer;
BEGIN
  SELECT ('1 ' || s."interval")::interval, coalesce(p_from, date_trunc(s."interval", now())),
         coalesce(p_to, now() + s."intervalsAhead" * ('1 ' || s."interval")::interval)
  INTO STRICT v_step, v_at, v_to
  FROM "EventPartitionSettings" AS s;
  IF NOT (isfinite(v_at) AND isfinite(v_to)) OR v_to > v_at + 1000 * v_step THEN
    RAISE EXCEPTION 'ensure_event_partitions(%, %): more than 1000 partitions', v_at, v_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_made := analytics.partition_default_events();
  WHILE v_at < v_to LOOP
    SELECT e."to" INTO v_next FROM analytics.event_partitions() AS e WHERE v_at >= e."from" AND v_at < e."to";
    IF NOT FOUND THEN
      PERFORM analytics.create_event_partition(v_at);
      v_made := v_made + 1;
      SELECT e."to" INTO STRICT v_next FROM analytics.event_partitions() AS e WHERE v_at >= e."from" AND v_at < e."to";
    END IF;
    v_at := v_next;
  END LOOP;
  RETURN v_made;
END;
$$;


--
-- Name: erase_sender(text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.erase_sender(p_sender_id text) RETURNS TABLE(events bigint, conversations bigint, "rejectedMessages" bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_ids uuid[];
BEGIN
  SELECT coalesce(array_agg(c."id"), '{}') INTO v_ids
  FROM (SELECT c."id" FROM "Conversation" AS c WHERE c."senderId" = p_sender_id FOR UPDATE) AS c;

  PERFORM analytics.queue_statistics_deltas(array_agg(c), NULL)
  FROM "Conversation" AS c
  WHERE c."id" = ANY (v_ids) AND c."startDate" <> 'infinity';

  DELETE FROM "ConversationEvent" AS e WHERE e."conversationId" = ANY (v_ids);
  GET DIAGNOSTICS "events" = ROW_COUNT;
  DELETE FROM "Conversation" AS c WHERE c."id" = ANY (v_ids);
  GET DIAGNOSTICS "conversations" = ROW_COUNT;
  DELETE FROM "RejectedEvent" AS r WHERE r."senderId" = p_sender_id;
  GET DIAGNOSTICS "rejectedMessages" = ROW_COUNT;
  DELETE FROM "SenderSession" AS s WHERE s."senderId" = p_sender_id;
  DELETE FROM "DirtyConversation" AS d WHERE d."conversationId" = ANY (v_ids);
  RETURN NEXT;
END;
$$;


--
-- Name: event_partitions(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.event_partitions() RETURNS TABLE(partition text, "from" timestamp with time zone, "to" timestamp with time zone, "insertTrigger" boolean)
    LANGUAGE sql STABLE
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
  -- The bounds as PostgreSQL prints them: FOR VALUES FROM ('…') TO ('…')
  -- (split_part costs a third of a regular expression; MINVALUE and
  -- MAXVALUE bounds, unquoted, are left out).
  SELECT c.relname::text, split_part(b, '''', 2)::timestamptz, split_part(b, '''', 4)::timestamptz,
         EXISTS (SELECT 1 FROM pg_trigger AS t
                 WHERE t.tgrelid = c.oid AND t.tgname = 'conversation_event_after_insert' AND t.tgenabled = 'A'
                   AND t.tgfoid = 'analytics.apply_inserted_events()'::regprocedure)
  FROM pg_inherits AS i
  JOIN pg_class AS c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL pg_get_expr(c.relpartbound, c.oid) AS b
  WHERE i.inhparent = 'public."ConversationEvent"'::regclass
    AND b LIKE 'FOR VALUES FROM (''%'') TO (''%'')'
  ORDER BY 2
$$;


--
-- Name: events_dropped_before(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.events_dropped_before() RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
  SELECT max(d."to") FROM "DroppedEventRange" AS d
$$;


--
-- Name: execute_statements(text[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.execute_statements(p_statements text[]) RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_statement text;
BEGIN
  FOREACH v_statement IN ARRAY p_statements LOOP
    IF v_statement LIKE '--%' THEN
      RETURN NEXT v_statement;
    ELSE
      EXECUTE v_statement;
    END IF;
  END LOOP;
END;
$$;


--
-- Name: fold_statistics_delta_groups(text[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.fold_statistics_delta_groups(p_keys text[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_groups bigint[];
  v_empty_samples bigint[];
  v_empty_sample_buckets integer[];
  v_empty_sample_ms double precision[];
  v_empty_buckets bigint[];
  v_empty_bucket_ids integer[];
  v_empty_flows uuid[];
  v_flows integer;
BEGIN
  WITH version_delta AS (
    DELETE FROM "VersionStatisticsDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version") = ANY (p_keys)
    RETURNING d.*
  ),
  -- groups whose deltas counted custom success against criteria since
  -- changed: rebuilt instead of folded (version_sum leaves them out, so
  -- their sample deltas, deleted below, join no state and are not folded)
  stale AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."channelName", d."version"
    FROM version_delta AS d
    LEFT JOIN "SuccessCriteriaGeneration" AS cg ON cg."assistantName" = d."assistantName"
    WHERE d."criteriaGeneration" <> coalesce(cg."generation", 0)
  ),
  rebuild AS (
    INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
    SELECT g."assistantName", g."date", g."channelName", g."version" FROM stale AS g
  ),
  sample_delta AS (
    DELETE FROM "LatencySampleDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version") = ANY (p_keys)
    RETURNING d.*
  ),
  -- the latency count and exact sum come from the sample deltas
  sample_total AS (
    SELECT d."assistantName", d."date", d."channelName", d."version",
           sum(d."n") AS "latencyCount", sum(d."ms"::numeric * d."n") AS "latencySum"
    FROM sample_delta AS d
    GROUP BY d."assistantName", d."date", d."channelName", d."version"
  ),
  version_sum AS (
    SELECT v.*, coalesce(t."latencyCount", 0) AS "latencyCount", coalesce(t."latencySum", 0) AS "latencySum"
    FROM (SELECT d."assistantName", d."date", d."channelName", d."version",
                 sum(d."sessions") AS "sessions", sum(d."escalated") AS "escalated",
                 sum(d."satisfied") AS "satisfied", sum(d."unsatisfied") AS "unsatisfied",
                 sum(d."unanswered") AS "unanswered", sum(d."succeeded") AS "succeeded"
          FROM version_delta AS d
          WHERE NOT EXISTS (SELECT FROM stale AS g
                            WHERE (g."assistantName", g."date", g."channelName", g."version")
                                  = (d."assistantName", d."date", d."channelName", d."version"))
          GROUP BY d."assistantName", d."date", d."channelName", d."version") AS v
    LEFT JOIN sample_total AS t USING ("assistantName", "date", "channelName", "version")
  ),
  state AS (
    INSERT INTO "VersionStatisticsState" AS st ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "latencyCount", "latencySum")
    SELECT s."assistantName", s."date", s."channelName", s."version", s."sessions", s."escalated",
           s."satisfied", s."unsatisfied", s."unanswered", s."succeeded", s."latencyCount", s."latencySum"
    FROM version_sum AS s
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "sessions" = st."sessions" + excluded."sessions",
      "escalated" = st."escalated" + excluded."escalated",
      "satisfied" = st."satisfied" + excluded."satisfied",
      "unsatisfied" = st."unsatisfied" + excluded."unsatisfied",
      "unanswered" = st."unanswered" + excluded."unanswered",
      "succeeded" = st."succeeded" + excluded."succeeded",
      "latencyCount" = st."latencyCount" + excluded."latencyCount",
      "latencySum" = st."latencySum" + excluded."latencySum"
    RETURNING st."groupId", st."assistantName", st."date", st."channelName", st."version"
  ),
  sample_sum AS MATERIALIZED (
    SELECT st."groupId", analytics.latency_bucket(d."ms") AS "bucket", d."ms", sum(d."n")::integer AS "n"
    FROM sample_delta AS d
    JOIN state AS st USING ("assistantName", "date", "channelName", "version")
    GROUP BY st."groupId", d."ms"
    HAVING sum(d."n") <> 0
  ),
  sample AS (
    INSERT INTO "LatencySample" AS s ("groupId", "bucket", "ms", "n")
    SELECT d."groupId", d."bucket", d."ms", d."n" FROM sample_sum AS d
    ON CONFLICT ("groupId", "bucket", "ms") DO UPDATE SET "n" = s."n" + excluded."n"
    RETURNING s."groupId", s."bucket", s."ms", s."n"
  ),
  bucket AS (
    INSERT INTO "LatencyBucket" AS b ("groupId", "bucket", "n")
    SELECT d."groupId", d."bucket", sum(d."n") FROM sample_sum AS d
    GROUP BY d."groupId", d."bucket"
    ON CONFLICT ("groupId", "bucket") DO UPDATE SET "n" = b."n" + excluded."n"
    RETURNING b."groupId", b."bucket", b."n"
  )
  SELECT (SELECT array_agg(st."groupId") FROM state AS st),
         (SELECT array_agg(s."groupId") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(s."bucket") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(s."ms") FROM sample AS s WHERE s."n" = 0),
         (SELECT array_agg(b."groupId") FROM bucket AS b WHERE b."n" = 0),
         (SELECT array_agg(b."bucket") FROM bucket AS b WHERE b."n" = 0)
  INTO v_groups, v_empty_samples, v_empty_sample_buckets, v_empty_sample_ms, v_empty_buckets, v_empty_bucket_ids;

  -- Values and buckets no sample has any more.
  DELETE FROM "LatencySample" AS s
  USING unnest(v_empty_samples, v_empty_sample_buckets, v_empty_sample_ms) AS e("groupId", "bucket", "ms")
  WHERE (s."groupId", s."bucket", s."ms") = (e."groupId", e."bucket", e."ms") AND s."n" = 0;
  DELETE FROM "LatencyBucket" AS b
  USING unnest(v_empty_buckets, v_empty_bucket_ids) AS e("groupId", "bucket")
  WHERE (b."groupId", b."bucket") = (e."groupId", e."bucket") AND b."n" = 0;

  WITH flow_delta AS (
    DELETE FROM "FlowStatisticsDelta" AS d
    WHERE p_keys IS NULL
       OR analytics.statistics_group_key('flow', d."assistantName", d."date", d."flowName", NULL) = ANY (p_keys)
    RETURNING d.*
  ),
  flow_sum AS (
    SELECT d."assistantName", d."date", d."flowName", sum(d."sessions")::integer AS "sessions",
           sum(d."automated")::integer AS "automated", sum(d."escalated")::integer AS "escalated"
    FROM flow_delta AS d
    GROUP BY d."assistantName", d."date", d."flowName"
    HAVING (sum(d."sessions"), sum(d."automated"), sum(d."escalated")) <> (0, 0, 0)
  ),
  flow AS (
    INSERT INTO "FlowDailyStatistics" AS f ("date", "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount")
    SELECT s."date", s."assistantName", s."flowName", s."sessions", s."automated", s."escalated" FROM flow_sum AS s
    ON CONFLICT ("date", "assistantName", "flowName") DO UPDATE SET
      "totalSessions" = f."totalSessions" + excluded."totalSessions",
      "automatedCount" = f."automatedCount" + excluded."automatedCount",
      "escalatedCount" = f."escalatedCount" + excluded."escalatedCount",
      "updatedAt" = now()
    RETURNING f."id", f."totalSessions"
  )
  SELECT count(*), array_agg(f."id") FILTER (WHERE f."totalSessions" <= 0)
  INTO v_flows, v_empty_flows
  FROM flow AS f;

  DELETE FROM "FlowDailyStatistics" AS f WHERE f."id" = ANY (v_empty_flows) AND f."totalSessions" <= 0;

  RETURN coalesce(analytics.publish_version_statistics(v_groups), 0) + v_flows;
END;
$$;


--
-- Name: fold_statistics_deltas(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.fold_statistics_deltas() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_work integer := 0;
  v_group record;
  v_sqlstate text;
  v_error text;
BEGIN
  IF EXISTS (SELECT 1 FROM "QuarantinedStatisticsGroup") THEN
    PERFORM analytics.divert_quarantined_deltas();
  END IF;
  BEGIN
    RETURN analytics.fold_statistics_delta_groups(NULL);
  EXCEPTION WHEN OTHERS THEN
    NULL;  -- undone; find the groups that fail
  END;
  FOR v_group IN
    SELECT DISTINCT 'version' AS "kind", d."assistantName", d."date", d."channelName" AS "channelOrFlow", d."version"
    FROM "VersionStatisticsDelta" AS d
    UNION
    SELECT DISTINCT 'flow', d."assistantName", d."date", d."flowName", NULL
    FROM "FlowStatisticsDelta" AS d
  LOOP
    BEGIN
      v_work := v_work + analytics.fold_statistics_delta_groups(ARRAY[analytics.statistics_group_key(
        v_group."kind", v_group."assistantName", v_group."date", v_group."channelOrFlow", v_group."version")]);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
      PERFORM analytics.quarantine_statistics_group(v_group."kind", v_group."assistantName", v_group."date",
        v_group."channelOrFlow", v_group."version", v_sqlstate, v_error);
      RAISE WARNING 'statistics group quarantined (% %, %): %', v_group."kind", left(v_group."assistantName", 100), v_group."date", v_error;
    END;
  END LOOP;
  RETURN v_work;
END;
$$;


--
-- Name: grant_readonly(name, boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.grant_readonly(p_role name, p_aggregates_only boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_grant_statements(p_role, p_aggregates_only)));
END;
$$;


--
-- Name: identifier(jsonb); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.identifier(p_value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE WHEN jsonb_typeof(p_value) = 'string' THEN nullif(p_value #>> '{}', '') END
$$;


--
-- Name: is_user_message(public."ConversationEventType", jsonb, jsonb); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.is_user_message(p_type public."ConversationEventType", p_raw_data jsonb, p_metadata jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT p_type = 'USER'
     AND coalesce(p_raw_data ->> 'text', '') <> '/session_start'
     AND NOT coalesce(p_raw_data -> 'parse_data' -> 'commands' @> '[{"command": "session start"}]', false)
     AND NOT coalesce(p_metadata -> 'is_external' = 'true', false)
$$;


--
-- Name: latency_bucket(double precision); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.latency_bucket(p_ms double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE WHEN p_ms < 1 THEN 0 ELSE 1 + floor(ln(p_ms) * 256)::integer END
$$;


--
-- Name: latency_percentiles(bigint, bigint); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.latency_percentiles(p_group_id bigint, p_count bigint) RETURNS double precision[]
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
  WITH wanted AS (
    SELECT i, q * (p_count - 1) AS pos, floor(q * (p_count - 1))::bigint AS lo, ceil(q * (p_count - 1))::bigint AS hi
    FROM unnest(ARRAY[0.5, 0.95, 0.99]::double precision[]) WITH ORDINALITY AS u(q, i)
  ),
  rank AS (
    SELECT DISTINCT k FROM wanted AS w, LATERAL (VALUES (w.lo), (w.hi)) AS v(k)
  ),
  bucket AS MATERIALIZED (
    SELECT b."bucket", b."n", sum(b."n") OVER (ORDER BY b."bucket") AS "through"
    FROM "LatencyBucket" AS b
    WHERE b."groupId" = p_group_id
  ),
  located AS (
    SELECT r.k, b."bucket", b."through" - b."n" AS "before"
    FROM rank AS r
    CROSS JOIN LATERAL (SELECT b.* FROM bucket AS b WHERE b."through" > r.k ORDER BY b."bucket" LIMIT 1) AS b
  ),
  valued AS (
    SELECT l.k, x."ms"
    FROM located AS l
    CROSS JOIN LATERAL (
      SELECT y."ms"
      FROM (SELECT s."ms", sum(s."n") OVER (ORDER BY s."ms") AS "through"
            FROM "LatencySample" AS s
            WHERE s."groupId" = p_group_id AND s."bucket" = l."bucket") AS y
      WHERE y."through" > l.k - l."before"
      ORDER BY y."ms" LIMIT 1
    ) AS x
  )
  SELECT array_agg(CASE WHEN w.hi = w.lo THEN vl."ms" ELSE vl."ms" + (vh."ms" - vl."ms") * (w.pos - w.lo) END ORDER BY w.i)
  FROM wanted AS w
  JOIN valued AS vl ON vl.k = w.lo
  JOIN valued AS vh ON vh.k = w.hi
  WHERE p_count > 0
$$;


--
-- Name: loader_grant_statements(name); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.loader_grant_statements(p_role name) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_role constant text := quote_ident(p_role);
BEGIN
  RETURN QUERY SELECT analytics.revoke_role_statements(p_role);
  RETURN NEXT format('GRANT CONNECT ON DATABASE %I TO %s', current_database(), v_role);
  RETURN NEXT 'GRANT USAGE ON SCHEMA public, analytics TO ' || v_role;
  -- COPY of the events; which of a batch are stored already (a retry)
  RETURN NEXT 'GRANT SELECT, INSERT ON TABLE public."ConversationEvent" TO ' || v_role;
  -- the loader COPYs into the leaves directly (analytics.create_event_partition
  -- grants the same on the leaves it makes later)
  RETURN QUERY SELECT format('GRANT SELECT, INSERT ON TABLE public.%I TO %s', p."partition", v_role)
               FROM analytics.event_partitions() AS p;
  -- offsets, rejected messages (replay-rejected marks them), sender sessions
  RETURN NEXT 'GRANT SELECT, INSERT, UPDATE ON TABLE public."KafkaOffset", public."RejectedEvent", analytics."SenderSession" TO ' || v_role;
  RETURN NEXT 'GRANT INSERT ON TABLE public."Environment" TO ' || v_role;
  -- replay-rejected re-derives senders' sessions; status and the refresher count the queues
  RETURN NEXT 'GRANT SELECT ON TABLE public."Conversation", analytics."RefreshLog", analytics."QuarantinedStatisticsGroup", '
              'analytics."DirtyVersionStatistics", analytics."DirtyFlowStatistics", '
              'analytics."VersionStatisticsDelta", analytics."FlowStatisticsDelta" TO ' || v_role;
  RETURN NEXT 'GRANT USAGE ON SEQUENCE analytics.stream_block TO ' || v_role;
  RETURN NEXT 'GRANT SELECT, USAGE ON SEQUENCE analytics.sender_session_epoch TO ' || v_role;
  RETURN NEXT 'GRANT EXECUTE ON FUNCTION analytics.move_events(uuid[], uuid[]), '
              'analytics.rebuild_moved_sessions(uuid[], uuid[], uuid[]), analytics.refresh_statistics(boolean), '
              'analytics.recompute_conversations(date, date, uuid, integer), analytics.recompute_statistics(date, date), '
              'analytics.recompute(date, date), analytics.recompute_from(date, date), analytics.release_quarantined_group(text), '
              'analytics.review_conversation(uuid, public."ReviewState"), '
              'analytics.event_partitions(), analytics.maintain_event_partitions() TO ' || v_role;
  RETURN NEXT format('INSERT INTO analytics."RoleGrant" ("role", "kind") VALUES (%L, %L) '
                     'ON CONFLICT ("role") DO UPDATE SET "kind" = excluded."kind", "grantedAt" = now()', p_role, 'loader');
END;
$$;


--
-- Name: loader_role_statements(name, text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.loader_role_statements(p_role name, p_password text) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_set_grant constant text := format('GRANT SET ON PARAMETER session_replication_role TO %I', p_role);
BEGIN
  RETURN QUERY SELECT analytics.login_role_statements(p_role, p_password, 'loader', '{}');
  RETURN QUERY SELECT analytics.loader_grant_statements(p_role);
  IF current_setting('server_version_num')::integer >= 150000 THEN
    IF has_parameter_privilege('session_replication_role', 'SET WITH GRANT OPTION') THEN
      RETURN NEXT v_set_grant;
    ELSE
      RETURN NEXT '-- needs a superuser: ' || v_set_grant;
    END IF;
  END IF;
END;
$$;


--
-- Name: login_role_statements(name, text, text, text[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.login_role_statements(p_role name, p_password text, p_kind text, p_settings text[]) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_marker constant text := analytics.role_marker(p_kind);
  v_oid oid;
  v_strip text;
  v_setting text;
BEGIN
  IF p_role IN (current_user, session_user)
     OR p_role = (SELECT n.nspowner::regrole::name FROM pg_namespace AS n WHERE n.nspname = 'analytics') THEN
    RAISE EXCEPTION 'role % is the application''s own role: grant-% will not change it', p_role, p_kind
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT r.oid INTO v_oid FROM pg_roles AS r WHERE r.rolname = p_role;
  IF v_oid IS NULL THEN
    RETURN NEXT format('CREATE ROLE %I', p_role);
    RETURN NEXT format('COMMENT ON ROLE %I IS %L', p_role, v_marker);
  ELSIF shobj_description(v_oid, 'pg_authid') IS DISTINCT FROM v_marker THEN
    RAISE EXCEPTION 'role % exists and was not created by grant-%: refusing to change it (choose another name)', p_role, p_kind
      USING ERRCODE = 'duplicate_object';
  END IF;
  SELECT concat_ws(' ', CASE WHEN r.rolsuper THEN 'NOSUPERUSER' END, CASE WHEN r.rolcreatedb THEN 'NOCREATEDB' END,
                   CASE WHEN r.rolcreaterole THEN 'NOCREATEROLE' END, CASE WHEN r.rolreplication THEN 'NOREPLICATION' END,
                   CASE WHEN r.rolbypassrls THEN 'NOBYPASSRLS' END) INTO v_strip
  FROM pg_roles AS r WHERE r.oid = v_oid;
  RETURN NEXT format('ALTER ROLE %I WITH %s PASSWORD %L', p_role, concat_ws(' ', 'LOGIN', nullif(v_strip, '')), p_password);
  FOREACH v_setting IN ARRAY p_settings LOOP
    RETURN NEXT format('ALTER ROLE %I SET %s = %L', p_role, split_part(v_setting, '=', 1), substr(v_setting, strpos(v_setting, '=') + 1));
  END LOOP;
END;
$$;


--
-- Name: maintain_event_partitions(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.maintain_event_partitions() RETURNS TABLE(created integer, dropped integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET lock_timeout TO '1s'
    AS $$
DECLARE
  v_keep interval;
BEGIN
  "created" := 0;
  "dropped" := 0;
  SELECT s."keepEvents" INTO v_keep FROM "EventPartitionSettings" AS s FOR UPDATE SKIP LOCKED;
  IF FOUND THEN
    "created" := analytics.ensure_event_partitions();
    IF v_keep IS NOT NULL THEN
      SELECT count(*) INTO "dropped" FROM analytics.drop_event_partitions(now() - v_keep);
    END IF;
  END IF;
  RETURN NEXT;
END;
$$;


--
-- Name: move_events(uuid[], uuid[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.move_events(p_event_ids uuid[], p_conversation_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_moved integer;
BEGIN
  WITH target AS (
    SELECT e."id", e."conversationId" AS "from", m."to"
    FROM unnest(p_event_ids, p_conversation_ids) AS m("id", "to")
    JOIN "ConversationEvent" AS e ON e."id" = m."id"
    WHERE e."conversationId" <> m."to"
  ),
  moved AS (
    UPDATE "ConversationEvent" AS e
    SET "conversationId" = t."to"
    FROM target AS t
    WHERE e."id" = t."id"
    RETURNING t."from", t."to"
  ),
  queued AS (
    INSERT INTO "DirtyConversation" ("conversationId")
    SELECT DISTINCT c FROM moved, LATERAL (VALUES (moved."from"), (moved."to")) AS v(c)
  )
  SELECT count(*) INTO v_moved FROM moved;
  RETURN v_moved;
END;
$$;


--
-- Name: move_table_dependents(regclass, regclass); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.move_table_dependents(p_old regclass, p_new regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v record;
BEGIN
  FOR v IN SELECT t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled FROM pg_trigger AS t
           WHERE t.tgrelid = p_old AND NOT t.tgisinternal LOOP
    EXECUTE replace(v.def, ' ON ' || p_old::text || ' ', ' ON ' || p_new::text || ' ');
    IF v.tgenabled = 'A' THEN
      EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', p_new, v.tgname);
    END IF;
  END LOOP;
  FOR v IN SELECT DISTINCT r.ev_class::regclass AS view FROM pg_depend AS d JOIN pg_rewrite AS r ON r.oid = d.objid
           WHERE d.refobjid = p_old AND r.ev_class <> p_old LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.view, replace(pg_get_viewdef(v.view), p_old::text, p_new::text));
  END LOOP;
  FOR v IN SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee
           FROM pg_class AS c, aclexplode(c.relacl) AS a
           WHERE c.oid = p_old AND a.grantee <> c.relowner LOOP
    EXECUTE format('GRANT %s ON %s TO %s', v.privilege_type, p_new, v.grantee);
  END LOOP;
END;
$$;


--
-- Name: on_assistant_settings_change(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.on_assistant_settings_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO "DirtyAssistant" ("assistantName") VALUES (OLD."assistantName");
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "DirtyAssistant" ("assistantName") VALUES (NEW."assistantName");
  END IF;
  RETURN NULL;
END;
$$;


--
-- Name: on_conversation_event_change(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.on_conversation_event_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  INSERT INTO "DirtyConversation" ("conversationId")
  SELECT DISTINCT o."conversationId" FROM old_events AS o;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO "DirtyConversation" ("conversationId")
    SELECT DISTINCT n."conversationId" FROM new_events AS n;
  END IF;
  RETURN NULL;
END;
$$;


--
-- Name: on_success_criteria_change(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.on_success_criteria_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  WITH changed AS MATERIALIZED (
    SELECT DISTINCT a."assistantName"
    FROM (VALUES (OLD."assistantName"), (NEW."assistantName")) AS a("assistantName")
    WHERE a."assistantName" IS NOT NULL
  ),
  generation AS (
    INSERT INTO "SuccessCriteriaGeneration" AS g ("assistantName", "generation")
    SELECT c."assistantName", 1 FROM changed AS c
    ON CONFLICT ("assistantName") DO UPDATE SET "generation" = g."generation" + 1
  )
  INSERT INTO "DirtySuccessCriteria" ("assistantName")
  SELECT c."assistantName" FROM changed AS c;
  RETURN NULL;
END;
$$;


--
-- Name: partition_default_events(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.partition_default_events() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET "TimeZone" TO 'UTC'
    AS $$
DECLARE
  v_unit text;
  v_at timestamptz;
  v_made integer := 0;
BEGIN
  SELECT s."interval" INTO STRICT v_unit FROM "EventPartitionSettings" AS s;
  -- Each creation moves at least the earliest row of its interval; a leaf cut
  -- short by a neighbour may leave some of the interval's rows for the next round.
  FOR i IN 1 .. 10 LOOP
    FOR v_at IN SELECT min(d."timestamp") FROM public."ConversationEvent_default" AS d
                WHERE isfinite(d."timestamp")
                GROUP BY date_trunc(v_unit, d."timestamp") LOOP
      IF analytics.create_event_partition(v_at) IS NOT NULL THEN
        v_made := v_made + 1;
      END IF;
    END LOOP;
    EXIT WHEN NOT EXISTS (SELECT 1 FROM public."ConversationEvent_default" AS d WHERE isfinite(d."timestamp"));
  END LOOP;
  RETURN v_made;
END;
$$;


--
-- Name: publish_version_statistics(bigint[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.publish_version_statistics(p_group_ids bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_groups integer;
BEGIN
  -- The rows written reference SuccessCriteria, whose deletion sets them to
  -- NULL: take the criteria rows first, as a DELETE of criteria does, so the
  -- two never wait on each other in opposite orders (a deadlock).
  PERFORM 1 FROM "SuccessCriteria" AS sc
  WHERE sc."assistantName" IN (SELECT st."assistantName" FROM "VersionStatisticsState" AS st WHERE st."groupId" = ANY (p_group_ids))
  ORDER BY sc."id"
  FOR KEY SHARE OF sc;

  WITH state AS MATERIALIZED (
    SELECT st.* FROM "VersionStatisticsState" AS st WHERE st."groupId" = ANY (p_group_ids)
  ),
  -- materialized: each row's percentiles are computed once, not once per
  -- column that reads them
  computed AS MATERIALIZED (
    SELECT st."date", st."assistantName", st."channelName", st."version", st."sessions",
           st."sessions" - st."escalated" AS "automated", st."escalated",
           CASE WHEN st."latencyCount" > 0 THEN (st."latencySum" / st."latencyCount")::double precision END AS "average",
           analytics.latency_percentiles(st."groupId", st."latencyCount") AS "percentiles",
           st."satisfied", st."unsatisfied", st."unanswered",
           CASE WHEN sc."id" IS NOT NULL THEN st."succeeded" END AS "success",
           CASE WHEN sc."id" IS NOT NULL THEN st."sessions" - st."succeeded" END AS "failure",
           sc."id" AS "criteriaId"
    FROM state AS st
    LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = st."assistantName"
    WHERE st."sessions" > 0
  ),
  upserted AS (
    INSERT INTO "VersionDailyStatistics" AS v (
      "date", "assistantName", "channelName", "version", "totalSessions", "automatedCount",
      "escalatedCount", "averageLatencyMs", "p50LatencyMs", "p95LatencyMs", "p99LatencyMs",
      "csatSatisfied", "csatUnsatisfied", "csatUnanswered", "customSuccessCount",
      "customFailureCount", "successCriteriaId")
    SELECT c."date", c."assistantName", c."channelName", c."version", c."sessions", c."automated",
           c."escalated", c."average", c."percentiles"[1], c."percentiles"[2], c."percentiles"[3],
           c."satisfied", c."unsatisfied", c."unanswered", c."success", c."failure", c."criteriaId"
    FROM computed AS c
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "totalSessions" = excluded."totalSessions",
      "automatedCount" = excluded."automatedCount",
      "escalatedCount" = excluded."escalatedCount",
      "averageLatencyMs" = excluded."averageLatencyMs",
      "p50LatencyMs" = excluded."p50LatencyMs",
      "p95LatencyMs" = excluded."p95LatencyMs",
      "p99LatencyMs" = excluded."p99LatencyMs",
      "csatSatisfied" = excluded."csatSatisfied",
      "csatUnsatisfied" = excluded."csatUnsatisfied",
      "csatUnanswered" = excluded."csatUnanswered",
      "customSuccessCount" = excluded."customSuccessCount",
      "customFailureCount" = excluded."customFailureCount",
      "successCriteriaId" = excluded."successCriteriaId",
      "updatedAt" = now()
    WHERE (v."totalSessions", v."automatedCount", v."escalatedCount", v."averageLatencyMs",
           v."p50LatencyMs", v."p95LatencyMs", v."p99LatencyMs", v."csatSatisfied",
           v."csatUnsatisfied", v."csatUnanswered", v."customSuccessCount",
           v."customFailureCount", v."successCriteriaId")
          IS DISTINCT FROM
          (excluded."totalSessions", excluded."automatedCount", excluded."escalatedCount",
           excluded."averageLatencyMs", excluded."p50LatencyMs", excluded."p95LatencyMs",
           excluded."p99LatencyMs", excluded."csatSatisfied", excluded."csatUnsatisfied",
           excluded."csatUnanswered", excluded."customSuccessCount",
           excluded."customFailureCount", excluded."successCriteriaId")
  ),
  emptied AS (
    DELETE FROM "VersionDailyStatistics" AS v
    USING state AS st
    WHERE st."sessions" <= 0
      AND v."date" = st."date" AND v."assistantName" = st."assistantName"
      AND v."channelName" = st."channelName" AND v."version" = st."version"
  ),
  forgotten AS (
    DELETE FROM "VersionStatisticsState" AS st
    WHERE st."groupId" = ANY (p_group_ids) AND st."sessions" <= 0
    RETURNING st."groupId"
  ),
  -- their samples and histogram (no foreign key cascades to them: its check
  -- on every sample the fold inserts cost more than the insert)
  forgotten_samples AS (
    DELETE FROM "LatencySample" AS s USING forgotten AS f WHERE s."groupId" = f."groupId"
  ),
  forgotten_buckets AS (
    DELETE FROM "LatencyBucket" AS b USING forgotten AS f WHERE b."groupId" = f."groupId"
  )
  SELECT count(*) INTO v_groups FROM state;
  RETURN v_groups;
END;
$$;


--
-- Name: quarantine_statistics_group(text, text, date, text, text, text, text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.quarantine_statistics_group(p_kind text, p_assistant_name text, p_date date, p_channel_or_flow text, p_version text, p_sqlstate text, p_error text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_key constant text := analytics.statistics_group_key(p_kind, p_assistant_name, p_date, p_channel_or_flow, p_version);
BEGIN
  INSERT INTO "QuarantinedStatisticsGroup" ("groupKey", "kind", "assistantName", "date", "channelName",
    "version", "flowName", "sqlstate", "error")
  VALUES (v_key, p_kind, p_assistant_name, p_date,
          CASE WHEN p_kind = 'version' THEN p_channel_or_flow END, p_version,
          CASE WHEN p_kind = 'flow' THEN p_channel_or_flow END, p_sqlstate, left(p_error, 2000))
  ON CONFLICT ("groupKey") DO NOTHING;
  PERFORM analytics.divert_quarantined_deltas();
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: Conversation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Conversation" (
    id uuid NOT NULL,
    "assistantName" text,
    "assistantVersion" text,
    "totalNumberOfUserMessages" integer DEFAULT 0 NOT NULL,
    "startDate" timestamp with time zone NOT NULL,
    ingested boolean DEFAULT false NOT NULL,
    "reviewState" public."ReviewState" DEFAULT 'UNREVIEWED'::public."ReviewState" NOT NULL,
    "csatRating" public."CsatRating",
    "lastReviewedAt" timestamp with time zone,
    "escalatedAt" timestamp with time zone,
    "environmentId" uuid,
    "senderId" text NOT NULL,
    "channelName" text,
    "userId" text,
    "lastEventAt" timestamp with time zone NOT NULL,
    "flowsStarted" text[] DEFAULT '{}'::text[] NOT NULL,
    "latencySamplesMs" double precision[] DEFAULT '{}'::double precision[] NOT NULL,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
    "statisticsDate" date NOT NULL,
    "flowsCompleted" text[] DEFAULT '{}'::text[] NOT NULL,
    "flowsActiveAtEscalation" text[] DEFAULT '{}'::text[] NOT NULL
)
WITH (fillfactor='80');


--
-- Name: TABLE "Conversation"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."Conversation" IS 'One row per conversation session, maintained by triggers on ConversationEvent. reviewState and lastReviewedAt belong to reviewers.';


--
-- Name: COLUMN "Conversation"."latencySamplesMs"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public."Conversation"."latencySamplesMs" IS 'Extension: one sample per user message, ms until the first bot message at or after it.';


--
-- Name: COLUMN "Conversation"."statisticsDate"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public."Conversation"."statisticsDate" IS 'Internal: the day of startDate in the assistant''s timezone; the day the session counts on.';


--
-- Name: queue_statistics_deltas(public."Conversation"[], public."Conversation"[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.queue_statistics_deltas(p_old public."Conversation"[], p_new public."Conversation"[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
BEGIN
  IF coalesce(cardinality(p_old), 0) + coalesce(cardinality(p_new), 0) = 0 THEN
    RETURN;
  END IF;

  WITH old_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_old) AS c
  ),
  new_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_new) AS c
  ),
  -- conversations that stay in their group with the same samples, or the
  -- same flows: those need not be unnested only to cancel out
  unchanged AS MATERIALIZED (
    SELECT o."id",
           o."latencySamplesMs" = n."latencySamplesMs" AS "sameSamples",
           (o."flowsStarted", o."flowsCompleted", o."flowsActiveAtEscalation")
             = (n."flowsStarted", n."flowsCompleted", n."flowsActiveAtEscalation") AS "sameFlows"
    FROM old_state AS o
    JOIN new_state AS n ON n."id" = o."id"
                       AND (n."assistantName", n."statisticsDate", n."channelName", n."assistantVersion")
                           = (o."assistantName", o."statisticsDate", o."channelName", o."assistantVersion")
  ),
  side AS MATERIALIZED (
    SELECT s.*, coalesce(u."sameSamples", false) AS "sameSamples", coalesce(u."sameFlows", false) AS "sameFlows"
    FROM (SELECT -1 AS "sign", c.* FROM old_state AS c
          UNION ALL
          SELECT 1, c.* FROM new_state AS c) AS s
    LEFT JOIN unchanged AS u ON u."id" = s."id"
  ),
  version_delta AS (
    INSERT INTO "VersionStatisticsDelta" ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "criteriaGeneration")
    SELECT d.* FROM (
      SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion",
             sum(c."sign") AS "sessions",
             coalesce(sum(c."sign") FILTER (WHERE c."escalatedAt" IS NOT NULL), 0) AS "escalated",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'SATISFIED'), 0) AS "satisfied",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'UNSATISFIED'), 0) AS "unsatisfied",
             coalesce(sum(c."sign") FILTER (WHERE c."csatRating" = 'UNANSWERED'), 0) AS "unanswered",
             coalesce(sum(c."sign") FILTER (WHERE c."flowsStarted" @> sc."includedFlows"
                                              AND NOT c."flowsStarted" && sc."excludedFlows"), 0) AS "succeeded",
             coalesce(min(cg."generation"), 0) AS "criteriaGeneration"
      FROM side AS c
      LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = c."assistantName"
      LEFT JOIN "SuccessCriteriaGeneration" AS cg ON cg."assistantName" = c."assistantName"
      GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion"
    ) AS d
    WHERE (d."sessions", d."escalated", d."satisfied", d."unsatisfied", d."unanswered", d."succeeded") <> (0, 0, 0, 0, 0, 0)
       -- samples to fold; or flows that other criteria would count, so that
       -- the fold sees this merge counted against criteria since changed
       OR EXISTS (SELECT 1 FROM side AS c
                  WHERE (c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion")
                        = (d."assistantName", d."statisticsDate", d."channelName", d."assistantVersion")
                    AND (NOT c."sameSamples" AND cardinality(c."latencySamplesMs") > 0 OR NOT c."sameFlows"))
  ),
  sample_delta AS (
    INSERT INTO "LatencySampleDelta" ("assistantName", "date", "channelName", "version", "ms", "n")
    SELECT c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms, sum(c."sign")
    FROM side AS c, unnest(c."latencySamplesMs") AS ms
    WHERE NOT c."sameSamples"
    GROUP BY c."assistantName", c."statisticsDate", c."channelName", c."assistantVersion", ms
    HAVING sum(c."sign") <> 0
  )
  INSERT INTO "FlowStatisticsDelta" ("assistantName", "date", "flowName", "sessions", "automated", "escalated")
  SELECT d.* FROM (
    SELECT c."assistantName", c."statisticsDate", fl,
           sum(c."sign") AS "sessions",
           coalesce(sum(c."sign") FILTER (WHERE fl = ANY (c."flowsCompleted") AND NOT fl = ANY (c."flowsActiveAtEscalation")), 0) AS "automated",
           coalesce(sum(c."sign") FILTER (WHERE fl = ANY (c."flowsActiveAtEscalation")), 0) AS "escalated"
    FROM side AS c, unnest(c."flowsStarted") AS fl
    WHERE NOT c."sameFlows"
    GROUP BY c."assistantName", c."statisticsDate", fl
  ) AS d
  WHERE (d."sessions", d."automated", d."escalated") <> (0, 0, 0);
END;
$$;


--
-- Name: readonly_grant_statements(name, boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.readonly_grant_statements(p_role name, p_aggregates_only boolean DEFAULT false) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
  RETURN QUERY SELECT analytics.revoke_role_statements(p_role);
  RETURN NEXT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_role);
  RETURN NEXT format('GRANT USAGE ON SCHEMA public TO %I', p_role);
  RETURN NEXT format('GRANT SELECT ON TABLE %s TO %I',
                     (SELECT string_agg(format('public.%I', r), ', ') FROM unnest(analytics.readonly_relations(p_aggregates_only)) AS r),
                     p_role);
  RETURN NEXT format('INSERT INTO analytics."RoleGrant" ("role", "kind") VALUES (%L, %L) '
                     'ON CONFLICT ("role") DO UPDATE SET "kind" = excluded."kind", "grantedAt" = now()',
                     p_role, CASE WHEN p_aggregates_only THEN 'aggregates' ELSE 'readonly' END);
END;
$$;


--
-- Name: readonly_relations(boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.readonly_relations(p_aggregates_only boolean DEFAULT false) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE WHEN p_aggregates_only THEN ARRAY[
    'VersionDailyStatistics', 'FlowDailyStatistics', 'SuccessCriteria', 'MachineLearningModel', 'Environment',
    'DailyOverview', 'DailyAutomationRate', 'DailyEscalationRate', 'DailyCsat', 'DailyLatency',
    'DailyFlows', 'TopFlows', 'DailyByChannel', 'DailyByVersion'
  ] ELSE ARRAY[
    'Conversation', 'ConversationEvent', 'VersionDailyStatistics', 'FlowDailyStatistics',
    'SuccessCriteria', 'MachineLearningModel', 'Environment',
    'DailyOverview', 'DailyAutomationRate', 'DailyEscalationRate', 'DailyCsat', 'DailyLatency',
    'LatencySamples', 'DailyFlows', 'TopFlows', 'DailyByChannel', 'DailyByVersion', 'Sessions'
  ] END
$$;


--
-- Name: readonly_role_statements(name, text, boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.readonly_role_statements(p_role name, p_password text, p_aggregates_only boolean DEFAULT false) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
  RETURN QUERY SELECT analytics.login_role_statements(p_role, p_password, 'readonly',
    ARRAY['default_transaction_read_only=on', 'statement_timeout=5min', 'idle_in_transaction_session_timeout=10min']);
  RETURN QUERY SELECT analytics.readonly_grant_statements(p_role, p_aggregates_only);
END;
$$;


--
-- Name: rebuild_assistants(integer); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.rebuild_assistants(p_limit integer) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_rebuild record;
  v_ids uuid[];
  v_room integer;
  v_work integer := 0;
BEGIN
  WITH d AS (DELETE FROM "DirtyAssistant" RETURNING "assistantName")
  INSERT INTO "AssistantRebuild" ("assistantName")
  SELECT DISTINCT d."assistantName" FROM d
  ON CONFLICT ("assistantName") DO UPDATE SET "afterId" = NULL, "startedAt" = now();

  FOR v_rebuild IN SELECT r.* FROM "AssistantRebuild" AS r ORDER BY r."startedAt", r."assistantName" LOOP
    v_room := p_limit - v_work;
    EXIT WHEN v_room <= 0;
    LOCK TABLE "Conversation" IN SHARE ROW EXCLUSIVE MODE;
    SELECT coalesce(array_agg(c."id" ORDER BY c."id"), '{}') INTO v_ids
    FROM (SELECT c."id" FROM "Conversation" AS c
          WHERE (v_rebuild."assistantName" = '*' OR c."assistantName" = v_rebuild."assistantName")
            AND (v_rebuild."afterId" IS NULL OR c."id" > v_rebuild."afterId")
          ORDER BY c."id"
          LIMIT v_room) AS c;
    IF cardinality(v_ids) > 0 THEN
      PERFORM analytics.rebuild_conversations(v_ids);
      v_work := v_work + cardinality(v_ids);
    END IF;
    IF cardinality(v_ids) < v_room THEN
      DELETE FROM "AssistantRebuild" WHERE "assistantName" = v_rebuild."assistantName";  -- done
    ELSE
      UPDATE "AssistantRebuild" SET "afterId" = v_ids[cardinality(v_ids)]
      WHERE "assistantName" = v_rebuild."assistantName";
    END IF;
  END LOOP;
  RETURN v_work;
END;
$$;


--
-- Name: rebuild_conversations(uuid[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.rebuild_conversations(p_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
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


--
-- Name: rebuild_moved_sessions(uuid[], uuid[], uuid[]); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.rebuild_moved_sessions(p_event_ids uuid[], p_conversation_ids uuid[], p_also uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_ids uuid[];
  v_rebuilt integer;
BEGIN
  SELECT coalesce(array_agg(DISTINCT t.c), '{}') INTO v_ids
  FROM (
    SELECT v.c
    FROM unnest(p_event_ids, p_conversation_ids) AS m("id", "to")
    JOIN "ConversationEvent" AS e ON e."id" = m."id" AND e."conversationId" <> m."to",
    LATERAL (VALUES (e."conversationId"), (m."to")) AS v(c)
    UNION ALL
    SELECT unnest(p_also)
  ) AS t(c);
  PERFORM analytics.move_events(p_event_ids, p_conversation_ids);
  v_rebuilt := analytics.rebuild_conversations(v_ids);
  DELETE FROM "DirtyConversation" WHERE "conversationId" = ANY (v_ids);
  RETURN v_rebuilt;
END;
$$;


--
-- Name: recompute(date, date); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.recompute(p_from date DEFAULT NULL::date, p_to date DEFAULT NULL::date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_from date := analytics.recompute_from(p_from, p_to);
  v_after uuid;
  v_chunks integer := 0;
BEGIN
  PERFORM 1 FROM "RefreshLog" FOR UPDATE;  -- the refresh's lock: one at a time
  LOOP
    v_after := analytics.recompute_conversations(v_from, p_to, v_after, 1000);
    EXIT WHEN v_after IS NULL;
    v_chunks := v_chunks + 1;
  END LOOP;
  RETURN v_chunks + analytics.recompute_statistics(v_from, p_to);
END;
$$;


--
-- Name: recompute_conversations(date, date, uuid, integer); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.recompute_conversations(p_from date, p_to date, p_after uuid, p_limit integer) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_ids uuid[];
BEGIN
  SELECT array_agg(c."id" ORDER BY c."id") INTO v_ids
  FROM (SELECT c."id" FROM "Conversation" AS c
        WHERE (p_from IS NULL OR c."statisticsDate" >= p_from)
          AND (p_to IS NULL OR c."statisticsDate" <= p_to)
          AND (p_after IS NULL OR c."id" > p_after)
        ORDER BY c."id"
        LIMIT p_limit) AS c;
  IF v_ids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM analytics.rebuild_conversations(v_ids);
  RETURN v_ids[cardinality(v_ids)];
END;
$$;


--
-- Name: recompute_from(date, date); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.recompute_from(p_from date, p_to date) RETURNS date
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_dropped_before timestamptz := analytics.events_dropped_before();
  v_first_kept date;
BEGIN
  IF v_dropped_before IS NULL THEN
    RETURN p_from;
  END IF;
  SELECT max(c."statisticsDate") + 1 INTO v_first_kept
  FROM "Conversation" AS c
  WHERE c."startDate" < v_dropped_before;
  IF v_first_kept IS NULL OR p_from >= v_first_kept THEN
    RETURN p_from;
  END IF;
  IF p_from IS NULL AND (p_to IS NULL OR p_to >= v_first_kept) THEN
    RETURN v_first_kept;
  END IF;
  RAISE EXCEPTION 'cannot recompute days before %: retention dropped the events before % (analytics."DroppedEventRange"), and sessions on those days started earlier',
    v_first_kept, v_dropped_before
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = format('Recompute from %s on; the conversations and statistics of earlier days stay as they are.', v_first_kept);
END;
$$;


--
-- Name: recompute_statistics(date, date); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.recompute_statistics(p_from date, p_to date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT v."assistantName", v."date", v."channelName", v."version"
  FROM "VersionDailyStatistics" AS v
  WHERE (p_from IS NULL OR v."date" >= p_from) AND (p_to IS NULL OR v."date" <= p_to);

  INSERT INTO "DirtyFlowStatistics" ("assistantName", "date", "flowName")
  SELECT f."assistantName", f."date", f."flowName"
  FROM "FlowDailyStatistics" AS f
  WHERE (p_from IS NULL OR f."date" >= p_from) AND (p_to IS NULL OR f."date" <= p_to);

  RETURN analytics.refresh_statistics(true);
END;
$$;


--
-- Name: refresh_flow_statistics(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.refresh_flow_statistics() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_groups integer;
BEGIN
  WITH dirty AS (
    DELETE FROM "DirtyFlowStatistics" RETURNING *
  ),
  grp AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."flowName" FROM dirty AS d
  ),
  -- deltas still queued for these groups: what they say is in "Conversation",
  -- read by this same statement
  dropped_delta AS (
    DELETE FROM "FlowStatisticsDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."flowName") = (g."assistantName", g."date", g."flowName")
  ),
  -- every flow of every session of the dirty days, one index lookup per day
  -- (OFFSET 0 keeps the planner from flattening the LATERAL into a hash join
  -- over all of "Conversation", whose cost would grow with the history)
  session_flow AS MATERIALIZED (
    SELECT c."assistantName", c."statisticsDate" AS "date", fl AS "flowName",
           fl = ANY (c."flowsCompleted") AND NOT fl = ANY (c."flowsActiveAtEscalation") AS "automated",
           fl = ANY (c."flowsActiveAtEscalation") AS "escalated"
    FROM (SELECT DISTINCT g."assistantName", g."date" FROM grp AS g) AS day
    CROSS JOIN LATERAL (
      SELECT c.* FROM "Conversation" AS c
      WHERE c."assistantName" = day."assistantName" AND c."statisticsDate" = day."date"
      OFFSET 0
    ) AS c
    CROSS JOIN LATERAL unnest(c."flowsStarted") AS fl
  ),
  counted AS MATERIALIZED (
    SELECT g."assistantName", g."date", g."flowName",
           count(*)::integer AS "totalSessions",
           count(*) FILTER (WHERE sf."automated")::integer AS "automatedCount",
           count(*) FILTER (WHERE sf."escalated")::integer AS "escalatedCount"
    FROM grp AS g
    JOIN session_flow AS sf USING ("assistantName", "date", "flowName")
    GROUP BY g."assistantName", g."date", g."flowName"
  ),
  upserted AS (
    INSERT INTO "FlowDailyStatistics" AS f (
      "date", "assistantName", "flowName", "totalSessions", "automatedCount", "escalatedCount")
    SELECT c."date", c."assistantName", c."flowName", c."totalSessions", c."automatedCount", c."escalatedCount"
    FROM counted AS c
    ON CONFLICT ("date", "assistantName", "flowName") DO UPDATE SET
      "totalSessions" = excluded."totalSessions",
      "automatedCount" = excluded."automatedCount",
      "escalatedCount" = excluded."escalatedCount",
      "updatedAt" = now()
    WHERE (f."totalSessions", f."automatedCount", f."escalatedCount")
          IS DISTINCT FROM (excluded."totalSessions", excluded."automatedCount", excluded."escalatedCount")
  ),
  emptied AS (
    DELETE FROM "FlowDailyStatistics" AS f
    USING (SELECT g.* FROM grp AS g
           WHERE NOT EXISTS (
             SELECT 1 FROM counted AS c
             WHERE (c."assistantName", c."date", c."flowName") = (g."assistantName", g."date", g."flowName"))) AS e
    WHERE f."date" = e."date" AND f."assistantName" = e."assistantName" AND f."flowName" = e."flowName"
  )
  SELECT count(*) INTO v_groups FROM grp;
  RETURN v_groups;
END;
$$;


--
-- Name: refresh_models(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.refresh_models() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_models integer;
BEGIN
  WITH seen AS (
    DELETE FROM "DirtyModel" RETURNING *
  ),
  per_model AS (
    SELECT s."modelId", min(s."modelName") AS "modelName",
           min(s."firstSeenAt") AS "firstSeenAt", max(s."lastSeenAt") AS "lastSeenAt"
    FROM seen AS s
    GROUP BY s."modelId"
  )
  UPDATE "MachineLearningModel" AS m SET
    "modelName" = coalesce(m."modelName", p."modelName"),
    "firstSeenAt" = least(m."firstSeenAt", p."firstSeenAt"),
    "lastSeenAt" = greatest(m."lastSeenAt", p."lastSeenAt")
  FROM per_model AS p
  WHERE m."id" = p."modelId"
    AND (m."modelName" IS NULL AND p."modelName" IS NOT NULL
         OR p."firstSeenAt" < m."firstSeenAt" OR p."lastSeenAt" > m."lastSeenAt");
  GET DIAGNOSTICS v_models = ROW_COUNT;
  RETURN v_models;
END;
$$;


--
-- Name: refresh_role_grants(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.refresh_role_grants() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_role name;
  v_kind text;
  v_roles integer := 0;
BEGIN
  FOR v_role, v_kind IN
    SELECT g."role", g."kind" FROM analytics."RoleGrant" AS g JOIN pg_roles AS r ON r.rolname = g."role"
    WHERE shobj_description(r.oid, 'pg_authid') = analytics.role_marker(CASE g."kind" WHEN 'loader' THEN 'loader' ELSE 'readonly' END)
    ORDER BY g."role"
  LOOP
    IF v_kind = 'loader' THEN
      PERFORM analytics.execute_statements(ARRAY(SELECT analytics.loader_grant_statements(v_role)));
    ELSE
      PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_grant_statements(v_role, v_kind = 'aggregates')));
    END IF;
    v_roles := v_roles + 1;
  END LOOP;
  RETURN v_roles;
END;
$$;


--
-- Name: refresh_statistics(boolean); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.refresh_statistics(p_wait boolean DEFAULT false) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_chunk_size constant integer := coalesce(nullif(current_setting('analytics.rebuild_chunk', true), '')::integer, 2000);
  v_budget constant interval := coalesce(nullif(current_setting('analytics.rebuild_budget_ms', true), '')::integer, 100)
                                * interval '1 millisecond';
  v_step integer := 20;  -- the first step's size; the next ones fill what is left of the budget
  v_step_started timestamptz;
  v_per_conversation double precision;
  v_work_before integer;
  v_lock_timeout constant text := current_setting('lock_timeout');
  v_rebuilt integer := 0;
  v_chunk integer;
  v_ids uuid[];
  v_work integer := 0;
  v_started timestamptz;
  v_rebuild_started timestamptz;
BEGIN
  -- One refresh at a time: a row lock on analytics."RefreshLog", which only
  -- the application's roles may update. (An advisory lock, as before, could
  -- be taken by any role, a BI tool's too, and froze the refresh.)
  IF p_wait THEN
    PERFORM 1 FROM "RefreshLog" FOR UPDATE;
  ELSE
    PERFORM 1 FROM "RefreshLog" FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      RETURN -1;
    END IF;
  END IF;
  v_started := clock_timestamp();

  -- Two parts: the rebuilds, which lock "Conversation" against inserts until
  -- this refresh commits (analytics.rebuild_conversations), and the
  -- statistics. Waiting (a DBA, recompute) the rebuilds go first and the fold
  -- takes in what they queued. A loader's refresh does them last, so the
  -- lock lasts only as long as they do, not the statistics work after them
  -- (a SuccessCriteria change's refresh of every group of an assistant ran
  -- 45 s with 1M conversations); what they queue is folded next time.
  FOR v_pass IN 1 .. 2 LOOP
    IF (v_pass = 1) = p_wait THEN
      v_work_before := v_work;
      BEGIN
        -- A loader's refresh waits for the lock on "Conversation" no longer
        -- than its budget, and leaves the rebuilds for the next refresh when
        -- it did not get it: the batches behind its lock request wait with it,
        -- and what it waited for may be an autovacuum of "Conversation" (a
        -- rebuild rewrites rows), which PostgreSQL cancels only after
        -- deadlock_timeout, 1 s by default (docs/performance.md,
        -- "Maintenance during ingestion").
        IF NOT p_wait THEN
          PERFORM set_config('lock_timeout', greatest(1, extract(epoch FROM v_budget) * 1000)::bigint || 'ms', true);
        END IF;
        -- Events inserted out of stream order, edited or deleted.
        FOR v_ids IN
          WITH d AS (DELETE FROM "DirtyConversation" RETURNING "conversationId")
          SELECT array_agg(x."conversationId")
          FROM (SELECT DISTINCT d."conversationId", dense_rank() OVER (ORDER BY d."conversationId") / 1000 AS chunk
                FROM d) AS x
          GROUP BY x.chunk
        LOOP
          v_work := v_work + analytics.rebuild_conversations(v_ids);
        END LOOP;

        -- Settings changed: rebuild the assistants' conversations ('*': all),
        -- in chunks when a loader refreshes, so that its batches go on
        -- committing in between; all of it when the caller waits. A loader's
        -- chunk is bounded by time as well as by analytics.rebuild_chunk: steps
        -- until analytics.rebuild_budget_ms have passed, the first of 20
        -- conversations, each next one as many as the last step's time per
        -- conversation leaves room for. What a conversation costs depends on
        -- its events and on the box's load: a count alone held batches for
        -- 2.8 s on a loaded box, and fixed steps of 100 overshot the budget
        -- (docs/performance.md, "Maintenance during ingestion").
        v_rebuild_started := clock_timestamp();
        LOOP
          v_step_started := clock_timestamp();
          v_chunk := analytics.rebuild_assistants(CASE WHEN p_wait THEN v_chunk_size
                                                       ELSE least(v_step, v_chunk_size - v_rebuilt) END);
          v_rebuilt := v_rebuilt + v_chunk;
          EXIT WHEN v_chunk = 0
                 OR NOT p_wait AND (v_rebuilt >= v_chunk_size OR clock_timestamp() - v_rebuild_started >= v_budget);
          v_per_conversation := extract(epoch FROM clock_timestamp() - v_step_started) / v_chunk;
          v_step := greatest(1, least(v_chunk_size, floor(
                      extract(epoch FROM v_budget - (clock_timestamp() - v_rebuild_started)) / nullif(v_per_conversation, 0))))::integer;
        END LOOP;
        v_work := v_work + v_rebuilt;
        PERFORM set_config('lock_timeout', v_lock_timeout, true);
      EXCEPTION WHEN lock_not_available THEN
        IF p_wait THEN
          RAISE;
        END IF;
        v_work := v_work_before;  -- rolled back: the next refresh tries again
      END;
    ELSE
      -- What the merges and rebuilds queued, then the groups queued for a
      -- rebuild from "Conversation" (in this order: a rebuild replaces what
      -- was folded).
      v_work := v_work + analytics.fold_statistics_deltas();
      v_work := v_work + analytics.refresh_version_statistics();
      v_work := v_work + analytics.refresh_flow_statistics();
    END IF;
  END LOOP;

  -- Last: moving models on locks their rows until this commits, and a
  -- batch's merge, which holds its lock on "Conversation", waits for a model
  -- row it sees. Before the rebuilds, whose lock waits for that batch, that
  -- was a deadlock (TestALoadersRefreshDoesNotDeadlockABatch).
  PERFORM analytics.refresh_models();

  UPDATE "RefreshLog" SET "lastRefreshAt" = clock_timestamp(), "lastGroups" = v_work,
    "lastDurationMs" = extract(epoch FROM clock_timestamp() - v_started) * 1000;
  RETURN v_work;
END;
$$;


--
-- Name: refresh_version_statistics(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.refresh_version_statistics() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    SET jit TO 'off'
    AS $$
DECLARE
  v_ids bigint[];
  v_sample_ids bigint[];
  v_sample_ms double precision[];
  v_sample_n integer[];
BEGIN
  -- Assistants whose SuccessCriteria changed: every group they have state
  -- for. Listed here rather than by the change's trigger, so groups created
  -- by merges that committed after it are among them; groups still being
  -- created counted against the old criteria and their fold rebuilds them.
  WITH changed AS (
    DELETE FROM "DirtySuccessCriteria" RETURNING "assistantName"
  )
  INSERT INTO "DirtyVersionStatistics" ("assistantName", "date", "channelName", "version")
  SELECT st."assistantName", st."date", st."channelName", st."version"
  FROM "VersionStatisticsState" AS st
  WHERE st."assistantName" IN (SELECT c."assistantName" FROM changed AS c);

  WITH dirty AS (
    DELETE FROM "DirtyVersionStatistics" RETURNING *
  ),
  grp AS MATERIALIZED (
    SELECT DISTINCT d."assistantName", d."date", d."channelName", d."version" FROM dirty AS d
  ),
  dropped_delta AS (
    DELETE FROM "VersionStatisticsDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."channelName", d."version") = (g."assistantName", g."date", g."channelName", g."version")
  ),
  dropped_sample_delta AS (
    DELETE FROM "LatencySampleDelta" AS d USING grp AS g
    WHERE (d."assistantName", d."date", d."channelName", d."version") = (g."assistantName", g."date", g."channelName", g."version")
  ),
  -- the sessions of each dirty group, found through the group index (LATERAL
  -- with OFFSET 0, which the planner cannot flatten into a join over all of
  -- "Conversation", keeps the cost proportional to the groups, however long
  -- the history)
  session AS MATERIALIZED (
    SELECT g."assistantName", g."date", g."channelName", g."version",
           c."escalatedAt", c."csatRating", c."flowsStarted", c."latencySamplesMs"
    FROM grp AS g
    CROSS JOIN LATERAL (
      SELECT c."escalatedAt", c."csatRating", c."flowsStarted", c."latencySamplesMs"
      FROM "Conversation" AS c
      WHERE c."assistantName" = g."assistantName" AND c."statisticsDate" = g."date"
        AND c."channelName" = g."channelName" AND c."assistantVersion" = g."version"
      OFFSET 0
    ) AS c
  ),
  counted AS (
    SELECT g."assistantName", g."date", g."channelName", g."version",
           count(s."date")::integer AS "sessions",
           count(*) FILTER (WHERE s."escalatedAt" IS NOT NULL)::integer AS "escalated",
           count(*) FILTER (WHERE s."csatRating" = 'SATISFIED')::integer AS "satisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNSATISFIED')::integer AS "unsatisfied",
           count(*) FILTER (WHERE s."csatRating" = 'UNANSWERED')::integer AS "unanswered",
           count(*) FILTER (WHERE s."flowsStarted" @> sc."includedFlows"
                              AND NOT s."flowsStarted" && sc."excludedFlows")::integer AS "succeeded",
           coalesce(sum(cardinality(s."latencySamplesMs")), 0) AS "latencyCount",
           coalesce(sum((SELECT sum(ms::numeric) FROM unnest(s."latencySamplesMs") AS ms)), 0) AS "latencySum"
    FROM grp AS g
    LEFT JOIN session AS s USING ("assistantName", "date", "channelName", "version")
    LEFT JOIN "SuccessCriteria" AS sc ON sc."assistantName" = g."assistantName"
    GROUP BY g."assistantName", g."date", g."channelName", g."version"
  ),
  state AS (
    INSERT INTO "VersionStatisticsState" AS st ("assistantName", "date", "channelName", "version", "sessions",
      "escalated", "satisfied", "unsatisfied", "unanswered", "succeeded", "latencyCount", "latencySum")
    SELECT c."assistantName", c."date", c."channelName", c."version", c."sessions", c."escalated",
           c."satisfied", c."unsatisfied", c."unanswered", c."succeeded", c."latencyCount", c."latencySum"
    FROM counted AS c
    ON CONFLICT ("date", "assistantName", "channelName", "version") DO UPDATE SET
      "sessions" = excluded."sessions",
      "escalated" = excluded."escalated",
      "satisfied" = excluded."satisfied",
      "unsatisfied" = excluded."unsatisfied",
      "unanswered" = excluded."unanswered",
      "succeeded" = excluded."succeeded",
      "latencyCount" = excluded."latencyCount",
      "latencySum" = excluded."latencySum"
    RETURNING st."groupId", st."assistantName", st."date", st."channelName", st."version"
  ),
  sample AS (
    SELECT st."groupId", ms, count(*)::integer AS "n"
    FROM state AS st
    JOIN session AS s USING ("assistantName", "date", "channelName", "version")
    CROSS JOIN LATERAL unnest(s."latencySamplesMs") AS ms
    GROUP BY st."groupId", ms
  )
  SELECT (SELECT array_agg(st."groupId") FROM state AS st),
         array_agg(s."groupId"), array_agg(s.ms), array_agg(s."n")
  INTO v_ids, v_sample_ids, v_sample_ms, v_sample_n
  FROM sample AS s;

  IF v_ids IS NULL THEN
    RETURN 0;
  END IF;
  -- The groups' samples and histograms, replaced.
  DELETE FROM "LatencySample" WHERE "groupId" = ANY (v_ids);
  DELETE FROM "LatencyBucket" WHERE "groupId" = ANY (v_ids);
  INSERT INTO "LatencySample" ("groupId", "bucket", "ms", "n")
  SELECT s."groupId", analytics.latency_bucket(s."ms"), s."ms", s."n"
  FROM unnest(v_sample_ids, v_sample_ms, v_sample_n) AS s("groupId", "ms", "n");
  INSERT INTO "LatencyBucket" ("groupId", "bucket", "n")
  SELECT s."groupId", s."bucket", sum(s."n")
  FROM "LatencySample" AS s
  WHERE s."groupId" = ANY (v_ids)
  GROUP BY s."groupId", s."bucket";

  PERFORM analytics.publish_version_statistics(v_ids);
  RETURN cardinality(v_ids);
END;
$$;


--
-- Name: release_quarantined_group(text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.release_quarantined_group(p_group_key text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
DECLARE
  v_deltas integer;
BEGIN
  PERFORM 1 FROM "QuarantinedStatisticsGroup" WHERE "groupKey" = p_group_key FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO "VersionStatisticsDelta"
  -- (deltas quarantined before criteria generations existed: generation 0)
  SELECT (jsonb_populate_record(NULL::"VersionStatisticsDelta", '{"criteriaGeneration": 0}' || q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'VersionStatisticsDelta';
  INSERT INTO "LatencySampleDelta"
  SELECT (jsonb_populate_record(NULL::"LatencySampleDelta", q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'LatencySampleDelta';
  INSERT INTO "FlowStatisticsDelta"
  SELECT (jsonb_populate_record(NULL::"FlowStatisticsDelta", q."delta")).*
  FROM "QuarantinedDelta" AS q WHERE q."groupKey" = p_group_key AND q."queue" = 'FlowStatisticsDelta';
  SELECT count(*) INTO v_deltas FROM "QuarantinedDelta" WHERE "groupKey" = p_group_key;
  DELETE FROM "QuarantinedStatisticsGroup" WHERE "groupKey" = p_group_key;
  RETURN v_deltas;
END;
$$;


--
-- Name: review_conversation(uuid, public."ReviewState"); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.review_conversation(p_conversation_id uuid, p_state public."ReviewState") RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  UPDATE "Conversation"
  SET "reviewState" = p_state, "lastReviewedAt" = now()
  WHERE "id" = p_conversation_id;
  RETURN FOUND;
END;
$$;


--
-- Name: revoke_role_statements(name); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.revoke_role_statements(p_role name) RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  v_owner constant oid := (SELECT n.nspowner FROM pg_namespace AS n WHERE n.nspname = 'analytics');
  v_list text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname) INTO v_list
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname IN ('public', 'analytics') AND c.relowner = v_owner
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition;
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON TABLE %s FROM %I', v_list, p_role);
  END IF;
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname) INTO v_list
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname IN ('public', 'analytics') AND c.relowner = v_owner AND c.relkind = 'S';
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON SEQUENCE %s FROM %I', v_list, p_role);
  END IF;
  SELECT string_agg(format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)), ', '
                    ORDER BY n.nspname, p.proname, p.oid) INTO v_list
  FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
  WHERE n.nspname IN ('public', 'analytics') AND p.proowner = v_owner AND p.prokind = 'f';
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON FUNCTION %s FROM %I', v_list, p_role);
  END IF;
  RETURN NEXT format('REVOKE ALL ON SCHEMA analytics FROM %I', p_role);
END;
$$;


--
-- Name: role_marker(text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.role_marker(p_kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE p_kind
    WHEN 'readonly' THEN 'BI login role created by analyticsdb grant-readonly'
    WHEN 'loader' THEN 'Loader login role created by analyticsdb grant-loader'
  END
$$;


--
-- Name: statistics_group_key(text, text, date, text, text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.statistics_group_key(p_kind text, p_assistant_name text, p_date date, p_channel_or_flow text, p_version text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT md5(row(p_kind, p_assistant_name, p_date, p_channel_or_flow, p_version)::text)
$$;


--
-- Name: touch_updated_at(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'analytics', 'public', 'pg_temp'
    AS $$
BEGIN
  NEW."updatedAt" := now();
  RETURN NEW;
END;
$$;


--
-- Name: uuid_v5(bytea); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.uuid_v5(p_name bytea) RETURNS uuid
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'analytics', 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
  m  constant bigint := 4294967295;  -- 2^32 - 1
  msg bytea;
  len bigint;
  w  bigint[] := array_fill(0::bigint, ARRAY[80]);
  h0 bigint := 1732584193;   -- 0x67452301
  h1 bigint := 4023233417;   -- 0xEFCDAB89
  h2 bigint := 2562383102;   -- 0x98BADCFE
  h3 bigint := 271733878;    -- 0x10325476
  h4 bigint := 3285377520;   -- 0xC3D2E1F0
  a bigint; b bigint; c bigint; d bigint; e bigint;
  x bigint;
  o integer;  -- byte offset into msg
  t integer;  -- rounds done in this block
BEGIN
  -- The namespace, the name, 0x80, zeros up to 56 mod 64, the bit length.
  msg := '\x6ba7b8119dad11d180b400c04fd430c8'::bytea || p_name;
  len := length(msg);
  msg := msg || '\x80'::bytea || decode(repeat('00', ((119 - len % 64) % 64)::integer), 'hex')
             || int8send(len * 8);

  FOR blk IN 0 .. length(msg) / 64 - 1 LOOP
    o := blk * 64;
    FOR i IN 1 .. 16 LOOP
      w[i] := (get_byte(msg, o)::bigint << 24) | (get_byte(msg, o + 1) << 16)
            | (get_byte(msg, o + 2) << 8) | get_byte(msg, o + 3);
      o := o + 4;
    END LOOP;
    FOR i IN 17 .. 80 LOOP
      x := w[i - 3] # w[i - 8] # w[i - 14] # w[i - 16];
      w[i] := ((x << 1) | (x >> 31)) & m;
    END LOOP;

    a := h0; b := h1; c := h2; d := h3; e := h4;
    t := 0;
    -- Rounds 0..19: f = Ch(b, c, d), k = 0x5A827999.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + ((b & c) | (~b & d)) + e + 1518500249 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + ((a & b) | (~a & c)) + d + 1518500249 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + ((e & a) | (~e & b)) + c + 1518500249 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + ((d & e) | (~d & a)) + b + 1518500249 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + ((c & d) | (~c & e)) + a + 1518500249 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 20..39: f = Parity(b, c, d), k = 0x6ED9EBA1.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + (b # c # d) + e + 1859775393 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + (a # b # c) + d + 1859775393 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + (e # a # b) + c + 1859775393 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + (d # e # a) + b + 1859775393 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + (c # d # e) + a + 1859775393 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 40..59: f = Maj(b, c, d), k = 0x8F1BBCDC.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + ((b & c) | (b & d) | (c & d)) + e + 2400959708 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + ((a & b) | (a & c) | (b & c)) + d + 2400959708 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + ((e & a) | (e & b) | (a & b)) + c + 2400959708 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + ((d & e) | (d & a) | (e & a)) + b + 2400959708 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + ((c & d) | (c & e) | (d & e)) + a + 2400959708 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;
    -- Rounds 60..79: f = Parity(b, c, d), k = 0xCA62C1D6.
    FOR i IN 1 .. 4 LOOP
      e := (((a << 5) | (a >> 27)) + (b # c # d) + e + 3395469782 + w[t + 1]) & m; b := ((b << 30) | (b >> 2)) & m;
      d := (((e << 5) | (e >> 27)) + (a # b # c) + d + 3395469782 + w[t + 2]) & m; a := ((a << 30) | (a >> 2)) & m;
      c := (((d << 5) | (d >> 27)) + (e # a # b) + c + 3395469782 + w[t + 3]) & m; e := ((e << 30) | (e >> 2)) & m;
      b := (((c << 5) | (c >> 27)) + (d # e # a) + b + 3395469782 + w[t + 4]) & m; d := ((d << 30) | (d >> 2)) & m;
      a := (((b << 5) | (b >> 27)) + (c # d # e) + a + 3395469782 + w[t + 5]) & m; c := ((c << 30) | (c >> 2)) & m;
      t := t + 5;
    END LOOP;

    h0 := (h0 + a) & m; h1 := (h1 + b) & m; h2 := (h2 + c) & m;
    h3 := (h3 + d) & m; h4 := (h4 + e) & m;
  END LOOP;

  -- The first 16 bytes of the digest, with version 5 and the RFC 4122 variant.
  h1 := (h1 & 4294905855) | 20480;       -- byte 6: (x & 0x0f) | 0x50
  h2 := (h2 & 1073741823) | 2147483648;  -- byte 8: (x & 0x3f) | 0x80
  RETURN (lpad(to_hex(h0), 8, '0') || lpad(to_hex(h1), 8, '0')
          || lpad(to_hex(h2), 8, '0') || lpad(to_hex(h3), 8, '0'))::uuid;
END
$$;


--
-- Name: uuid_v5(text); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.uuid_v5(p_name text) RETURNS uuid
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'analytics', 'pg_catalog', 'pg_temp'
    AS $$
  SELECT analytics.uuid_v5(convert_to(p_name, 'UTF8'))
$$;


--
-- Name: AssistantRebuild; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."AssistantRebuild" (
    "assistantName" text NOT NULL,
    "afterId" uuid,
    "startedAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE "AssistantRebuild"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."AssistantRebuild" IS 'Internal: settings rebuilds in progress, by assistant, and how far each has got.';


--
-- Name: ConversationState; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."ConversationState" (
    "conversationId" uuid NOT NULL,
    "userMessageAt" timestamp with time zone[] DEFAULT '{}'::timestamp with time zone[] NOT NULL,
    "botMessageAt" timestamp with time zone[] DEFAULT '{}'::timestamp with time zone[] NOT NULL,
    "flowsActive" text[] DEFAULT '{}'::text[] NOT NULL,
    "defaultAssistantName" text NOT NULL,
    "eventAssistantName" text,
    "eventAssistantVersion" text,
    "eventChannelName" text
)
WITH (fillfactor='80');


--
-- Name: DirtyAssistant; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtyAssistant" (
    "assistantName" text NOT NULL
);


--
-- Name: DirtyConversation; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtyConversation" (
    "conversationId" uuid NOT NULL
);


--
-- Name: DirtyFlowStatistics; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtyFlowStatistics" (
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "flowName" text NOT NULL
);


--
-- Name: DirtyModel; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtyModel" (
    "modelId" uuid NOT NULL,
    "modelName" text,
    "firstSeenAt" timestamp with time zone NOT NULL,
    "lastSeenAt" timestamp with time zone NOT NULL
);


--
-- Name: DirtySuccessCriteria; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtySuccessCriteria" (
    "assistantName" text NOT NULL
);


--
-- Name: TABLE "DirtySuccessCriteria"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."DirtySuccessCriteria" IS 'Internal: assistants whose SuccessCriteria changed, waiting for the refresh to rebuild their statistics groups.';


--
-- Name: DirtyVersionStatistics; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DirtyVersionStatistics" (
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "channelName" text NOT NULL,
    version text NOT NULL
);


--
-- Name: DroppedEventRange; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."DroppedEventRange" (
    partition text NOT NULL,
    "from" timestamp with time zone NOT NULL,
    "to" timestamp with time zone NOT NULL,
    events bigint NOT NULL,
    "droppedAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE "DroppedEventRange"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."DroppedEventRange" IS 'Leaves of ConversationEvent dropped by retention (analytics.drop_event_partitions), with the events they held.';


--
-- Name: EventPartitionSettings; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."EventPartitionSettings" (
    id smallint DEFAULT 1 NOT NULL,
    "interval" text DEFAULT 'week'::text NOT NULL,
    "intervalsAhead" integer DEFAULT 2 NOT NULL,
    "keepEvents" interval,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "EventPartitionSettings_id_check" CHECK ((id = 1)),
    CONSTRAINT "EventPartitionSettings_interval_check" CHECK (("interval" = ANY (ARRAY['day'::text, 'week'::text, 'month'::text]))),
    CONSTRAINT "EventPartitionSettings_intervalsAhead_check" CHECK ((("intervalsAhead" >= 1) AND ("intervalsAhead" <= 100))),
    CONSTRAINT "EventPartitionSettings_keepEvents_check" CHECK (("keepEvents" >= '1 day'::interval))
);


--
-- Name: TABLE "EventPartitionSettings"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."EventPartitionSettings" IS 'One leaf of ConversationEvent per interval (UTC day, ISO week or month), made intervalsAhead intervals ahead; with keepEvents set, the loaders'' maintenance drops leaves older than that.';


--
-- Name: EventReplay; Type: TABLE; Schema: analytics; Owner: -
--

CREATE UNLOGGED TABLE analytics."EventReplay" (
    id uuid NOT NULL,
    "conversationId" uuid NOT NULL,
    "timestamp" timestamp with time zone NOT NULL,
    "modelId" uuid,
    type public."ConversationEventType" NOT NULL,
    "rawData" jsonb NOT NULL,
    metadata jsonb NOT NULL,
    "actionText" text,
    name text,
    "flowId" text,
    "stepId" text,
    "agentId" text,
    "slotValue" jsonb,
    "senderId" text NOT NULL,
    "sequenceNumber" bigint NOT NULL,
    "environmentId" uuid
);


--
-- Name: TABLE "EventReplay"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."EventReplay" IS 'Internal: empty outside a rebuild.';


--
-- Name: FlowStatisticsDelta; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."FlowStatisticsDelta" (
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "flowName" text NOT NULL,
    sessions integer NOT NULL,
    automated integer NOT NULL,
    escalated integer NOT NULL
);


--
-- Name: LatencyBucket; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."LatencyBucket" (
    "groupId" bigint NOT NULL,
    bucket integer NOT NULL,
    n bigint NOT NULL
);


--
-- Name: TABLE "LatencyBucket"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."LatencyBucket" IS 'Internal: a histogram of each statistics group''s latency samples.';


--
-- Name: LatencySample; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."LatencySample" (
    "groupId" bigint NOT NULL,
    bucket integer NOT NULL,
    ms double precision NOT NULL,
    n integer NOT NULL
);


--
-- Name: TABLE "LatencySample"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."LatencySample" IS 'Internal: the latency samples of a statistics group, one row per value with its multiplicity, for exact percentiles.';


--
-- Name: LatencySampleDelta; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."LatencySampleDelta" (
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "channelName" text NOT NULL,
    version text NOT NULL,
    ms double precision NOT NULL,
    n integer NOT NULL
);


--
-- Name: QuarantinedDelta; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."QuarantinedDelta" (
    "groupKey" text NOT NULL,
    queue text NOT NULL,
    delta jsonb NOT NULL
);


--
-- Name: QuarantinedStatisticsGroup; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."QuarantinedStatisticsGroup" (
    "groupKey" text NOT NULL,
    kind text NOT NULL,
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "channelName" text,
    version text,
    "flowName" text,
    sqlstate text NOT NULL,
    error text NOT NULL,
    "quarantinedAt" timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "QuarantinedStatisticsGroup_kind_check" CHECK ((kind = ANY (ARRAY['version'::text, 'flow'::text])))
);


--
-- Name: TABLE "QuarantinedStatisticsGroup"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."QuarantinedStatisticsGroup" IS 'Statistics groups the refresh could not fold, with the error; their deltas wait in analytics."QuarantinedDelta".';


--
-- Name: RefreshLog; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."RefreshLog" (
    id smallint DEFAULT 1 NOT NULL,
    "lastRefreshAt" timestamp with time zone,
    "lastGroups" integer DEFAULT 0 NOT NULL,
    "lastDurationMs" double precision,
    CONSTRAINT "RefreshLog_id_check" CHECK ((id = 1))
);


--
-- Name: RoleGrant; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."RoleGrant" (
    role name NOT NULL,
    kind text NOT NULL,
    "grantedAt" timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "RoleGrant_kind_check" CHECK ((kind = ANY (ARRAY['loader'::text, 'readonly'::text, 'aggregates'::text])))
);


--
-- Name: TABLE "RoleGrant"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."RoleGrant" IS 'Internal: login roles grant-readonly (kind readonly or aggregates) and grant-loader granted in this database; migrate grants them again.';


--
-- Name: SenderSession; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."SenderSession" (
    "senderId" text NOT NULL,
    "conversationId" uuid NOT NULL,
    "afterSessionStartAction" boolean NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
    "startSlotEventId" uuid,
    "startSlotConversationId" uuid
);


--
-- Name: TABLE "SenderSession"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."SenderSession" IS 'Where each sender''s events without metadata.session_id go next (SPEC section 3), so sessions survive loader restarts.';


--
-- Name: COLUMN "SenderSession"."startSlotEventId"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON COLUMN analytics."SenderSession"."startSlotEventId" IS 'The sender''s last event without session_id, when it is a session_started_metadata slot: it opens a session if action_session_start comes next.';


--
-- Name: COLUMN "SenderSession"."startSlotConversationId"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON COLUMN analytics."SenderSession"."startSlotConversationId" IS 'The conversation that slot opens if action_session_start comes next.';


--
-- Name: SuccessCriteriaGeneration; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."SuccessCriteriaGeneration" (
    "assistantName" text NOT NULL,
    generation bigint NOT NULL
);


--
-- Name: TABLE "SuccessCriteriaGeneration"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."SuccessCriteriaGeneration" IS 'Internal: how many times each assistant''s SuccessCriteria changed; queued version deltas carry the generation they were counted against.';


--
-- Name: VersionStatisticsDelta; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."VersionStatisticsDelta" (
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "channelName" text NOT NULL,
    version text NOT NULL,
    sessions integer NOT NULL,
    escalated integer NOT NULL,
    satisfied integer NOT NULL,
    unsatisfied integer NOT NULL,
    unanswered integer NOT NULL,
    succeeded integer NOT NULL,
    "criteriaGeneration" bigint DEFAULT 0 NOT NULL
);


--
-- Name: VersionStatisticsState; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics."VersionStatisticsState" (
    "groupId" bigint NOT NULL,
    "assistantName" text NOT NULL,
    date date NOT NULL,
    "channelName" text NOT NULL,
    version text NOT NULL,
    sessions integer DEFAULT 0 NOT NULL,
    escalated integer DEFAULT 0 NOT NULL,
    satisfied integer DEFAULT 0 NOT NULL,
    unsatisfied integer DEFAULT 0 NOT NULL,
    unanswered integer DEFAULT 0 NOT NULL,
    succeeded integer DEFAULT 0 NOT NULL,
    "latencyCount" bigint DEFAULT 0 NOT NULL,
    "latencySum" numeric DEFAULT 0 NOT NULL
);


--
-- Name: TABLE "VersionStatisticsState"; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON TABLE analytics."VersionStatisticsState" IS 'Internal: running counts of each VersionDailyStatistics group, folded from analytics."VersionStatisticsDelta".';


--
-- Name: VersionStatisticsState_groupId_seq; Type: SEQUENCE; Schema: analytics; Owner: -
--

ALTER TABLE analytics."VersionStatisticsState" ALTER COLUMN "groupId" ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME analytics."VersionStatisticsState_groupId_seq"
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sender_session_epoch; Type: SEQUENCE; Schema: analytics; Owner: -
--

CREATE SEQUENCE analytics.sender_session_epoch
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: SEQUENCE sender_session_epoch; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON SEQUENCE analytics.sender_session_epoch IS 'Moved on when sessions are re-derived outside a loader (replay-rejected): loaders then drop their cached sender states.';


--
-- Name: stream_block; Type: SEQUENCE; Schema: analytics; Owner: -
--

CREATE SEQUENCE analytics.stream_block
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: SEQUENCE stream_block; Type: COMMENT; Schema: analytics; Owner: -
--

COMMENT ON SEQUENCE analytics.stream_block IS 'One value per loader batch; sequenceNumber = block * 2^20 + position in the batch.';


--
-- Name: AssistantSettings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."AssistantSettings" (
    "assistantName" text NOT NULL,
    "escalationFlows" text[],
    "escalationActions" text[],
    "csatFlow" text,
    "csatSlot" text,
    "csatSatisfiedValues" text[],
    "csatUnsatisfiedValues" text[],
    timezone text,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT "AssistantSettings_defaults_complete" CHECK ((("assistantName" <> '*'::text) OR (("escalationFlows" IS NOT NULL) AND ("escalationActions" IS NOT NULL) AND ("csatFlow" IS NOT NULL) AND ("csatSlot" IS NOT NULL) AND ("csatSatisfiedValues" IS NOT NULL) AND ("csatUnsatisfiedValues" IS NOT NULL) AND (timezone IS NOT NULL)))),
    CONSTRAINT "AssistantSettings_timezone_valid" CHECK (((timezone IS NULL) OR ((now() AT TIME ZONE timezone) IS NOT NULL)))
);


--
-- Name: ConversationEvent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ConversationEvent" (
    id uuid NOT NULL,
    "conversationId" uuid NOT NULL,
    "timestamp" timestamp with time zone NOT NULL,
    "modelId" uuid,
    type public."ConversationEventType" NOT NULL,
    "rawData" jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    "actionText" text,
    name text,
    "flowId" text,
    "stepId" text,
    "agentId" text,
    "slotValue" jsonb,
    "senderId" text NOT NULL,
    "sequenceNumber" bigint NOT NULL,
    "environmentId" uuid
)
PARTITION BY RANGE ("timestamp");


--
-- Name: TABLE "ConversationEvent"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."ConversationEvent" IS 'One row per Rasa event as received; id = UUIDv5(URL namespace, message value bytes). Range-partitioned by timestamp.';


--
-- Name: COLUMN "ConversationEvent"."sequenceNumber"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public."ConversationEvent"."sequenceNumber" IS 'Extension: stream order (increasing along each sender''s stream).';


--
-- Name: ConversationEvent_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."ConversationEvent_default" (
    id uuid NOT NULL,
    "conversationId" uuid NOT NULL,
    "timestamp" timestamp with time zone NOT NULL,
    "modelId" uuid,
    type public."ConversationEventType" NOT NULL,
    "rawData" jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    "actionText" text,
    name text,
    "flowId" text,
    "stepId" text,
    "agentId" text,
    "slotValue" jsonb,
    "senderId" text NOT NULL,
    "sequenceNumber" bigint NOT NULL,
    "environmentId" uuid
);


--
-- Name: TABLE "ConversationEvent_default"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."ConversationEvent_default" IS 'Events no leaf holds yet; the loaders'' maintenance moves them into leaves of their own (analytics.partition_default_events).';


--
-- Name: VersionDailyStatistics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."VersionDailyStatistics" (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    date date NOT NULL,
    "assistantName" text NOT NULL,
    "channelName" text NOT NULL,
    version text NOT NULL,
    "totalSessions" integer NOT NULL,
    "automatedCount" integer NOT NULL,
    "escalatedCount" integer NOT NULL,
    "averageLatencyMs" double precision,
    "p50LatencyMs" double precision,
    "p95LatencyMs" double precision,
    "p99LatencyMs" double precision,
    "csatSatisfied" integer NOT NULL,
    "csatUnsatisfied" integer NOT NULL,
    "csatUnanswered" integer NOT NULL,
    "customSuccessCount" integer,
    "customFailureCount" integer,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL,
    "successCriteriaId" uuid
);


--
-- Name: DailyAutomationRate; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyAutomationRate" AS
 SELECT v.date,
    v."assistantName",
    v."channelName",
    v.version,
    v."totalSessions",
    v."automatedCount",
    ((v."automatedCount")::double precision / (NULLIF(v."totalSessions", 0))::double precision) AS "automationRate"
   FROM public."VersionDailyStatistics" v;


--
-- Name: VIEW "DailyAutomationRate"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyAutomationRate" IS 'One row per day, assistant, channel and version: sessions, automated sessions (not handed to a human) and automationRate = automated/total (0..1). Roll up by summing the counts, never by averaging the rate.';


--
-- Name: DailyByChannel; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyByChannel" AS
 SELECT v.date,
    v."assistantName",
    v."channelName",
    sum(v."totalSessions") AS "totalSessions",
    sum(v."automatedCount") AS "automatedCount",
    sum(v."escalatedCount") AS "escalatedCount",
    ((sum(v."automatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "automationRate",
    ((sum(v."escalatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "escalationRate",
    sum(v."csatSatisfied") AS "csatSatisfied",
    sum(v."csatUnsatisfied") AS "csatUnsatisfied",
    sum(v."csatUnanswered") AS "csatUnanswered",
    ((sum(v."csatSatisfied"))::double precision / (NULLIF((sum(v."csatSatisfied") + sum(v."csatUnsatisfied")), 0))::double precision) AS "csatScore",
    sum(v."customSuccessCount") AS "customSuccessCount",
    ((sum(v."customSuccessCount"))::double precision / (NULLIF(sum(v."totalSessions") FILTER (WHERE (v."customSuccessCount" IS NOT NULL)), 0))::double precision) AS "customSuccessRate"
   FROM public."VersionDailyStatistics" v
  GROUP BY v.date, v."assistantName", v."channelName";


--
-- Name: VIEW "DailyByChannel"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyByChannel" IS 'One row per day, assistant and channel: sessions, automated and escalated sessions and rates (0..1), CSAT counts and csatScore, custom success. Sums of VersionDailyStatistics over versions; roll up by summing counts.';


--
-- Name: DailyByVersion; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyByVersion" AS
 SELECT v.date,
    v."assistantName",
    v.version,
    sum(v."totalSessions") AS "totalSessions",
    sum(v."automatedCount") AS "automatedCount",
    sum(v."escalatedCount") AS "escalatedCount",
    ((sum(v."automatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "automationRate",
    ((sum(v."escalatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "escalationRate",
    sum(v."csatSatisfied") AS "csatSatisfied",
    sum(v."csatUnsatisfied") AS "csatUnsatisfied",
    sum(v."csatUnanswered") AS "csatUnanswered",
    ((sum(v."csatSatisfied"))::double precision / (NULLIF((sum(v."csatSatisfied") + sum(v."csatUnsatisfied")), 0))::double precision) AS "csatScore",
    sum(v."customSuccessCount") AS "customSuccessCount",
    ((sum(v."customSuccessCount"))::double precision / (NULLIF(sum(v."totalSessions") FILTER (WHERE (v."customSuccessCount" IS NOT NULL)), 0))::double precision) AS "customSuccessRate"
   FROM public."VersionDailyStatistics" v
  GROUP BY v.date, v."assistantName", v.version;


--
-- Name: VIEW "DailyByVersion"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyByVersion" IS 'One row per day, assistant and model version: sessions, automated and escalated sessions and rates (0..1), CSAT counts and csatScore, custom success. Sums of VersionDailyStatistics over channels; roll up by summing counts.';


--
-- Name: DailyCsat; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyCsat" AS
 SELECT v.date,
    v."assistantName",
    v."channelName",
    v.version,
    v."totalSessions",
    v."csatSatisfied",
    v."csatUnsatisfied",
    v."csatUnanswered",
    ((v."csatSatisfied" + v."csatUnsatisfied") + v."csatUnanswered") AS "csatAsked",
    ((v."csatSatisfied")::double precision / (NULLIF((v."csatSatisfied" + v."csatUnsatisfied"), 0))::double precision) AS "csatScore",
    (((v."csatSatisfied" + v."csatUnsatisfied"))::double precision / (NULLIF(((v."csatSatisfied" + v."csatUnsatisfied") + v."csatUnanswered"), 0))::double precision) AS "csatAnsweredShare",
    ((((v."csatSatisfied" + v."csatUnsatisfied") + v."csatUnanswered"))::double precision / (NULLIF(v."totalSessions", 0))::double precision) AS "csatAskedShare"
   FROM public."VersionDailyStatistics" v;


--
-- Name: VIEW "DailyCsat"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyCsat" IS 'One row per day, assistant, channel and version: CSAT ratings (satisfied, unsatisfied, unanswered), csatAsked = their sum, csatScore = satisfied/(satisfied+unsatisfied), csatAnsweredShare = rated/asked, csatAskedShare = asked/sessions. Roll up by summing the counts.';


--
-- Name: DailyEscalationRate; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyEscalationRate" AS
 SELECT v.date,
    v."assistantName",
    v."channelName",
    v.version,
    v."totalSessions",
    v."escalatedCount",
    ((v."escalatedCount")::double precision / (NULLIF(v."totalSessions", 0))::double precision) AS "escalationRate"
   FROM public."VersionDailyStatistics" v;


--
-- Name: VIEW "DailyEscalationRate"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyEscalationRate" IS 'One row per day, assistant, channel and version: sessions, escalated sessions (handed to a human) and escalationRate = escalated/total (0..1). Roll up by summing the counts, never by averaging the rate.';


--
-- Name: FlowDailyStatistics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."FlowDailyStatistics" (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    date date NOT NULL,
    "assistantName" text NOT NULL,
    "flowName" text NOT NULL,
    "totalSessions" integer NOT NULL,
    "automatedCount" integer NOT NULL,
    "escalatedCount" integer NOT NULL,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: DailyFlows; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyFlows" AS
 SELECT f.date,
    f."assistantName",
    f."flowName",
    (f."flowName" ~~ 'pattern\_%'::text) AS "isPattern",
    f."totalSessions",
    f."automatedCount",
    f."escalatedCount",
    ((f."automatedCount")::double precision / (NULLIF(f."totalSessions", 0))::double precision) AS "automationRate",
    ((f."escalatedCount")::double precision / (NULLIF(f."totalSessions", 0))::double precision) AS "escalationRate",
    ((f."totalSessions")::double precision / (NULLIF(( SELECT sum(v."totalSessions") AS sum
           FROM public."VersionDailyStatistics" v
          WHERE ((v.date = f.date) AND (v."assistantName" = f."assistantName"))), 0))::double precision) AS "shareOfSessions"
   FROM public."FlowDailyStatistics" f;


--
-- Name: VIEW "DailyFlows"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyFlows" IS 'One row per day, assistant and flow started that day: sessions that started it, of them automated (completed it, no handoff while it ran) and escalated (handed to a human while it was active), the rates (0..1), shareOfSessions = flow sessions / all sessions of the day, isPattern for Rasa pattern_* flows. Sum the counts over a date range for top flows.';


--
-- Name: DailyLatency; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyLatency" AS
 SELECT l.date,
    l."assistantName",
    l."sampleCount",
    l."averageLatencyMs",
    l.percentiles[1] AS "p50LatencyMs",
    l.percentiles[2] AS "p95LatencyMs",
    l.percentiles[3] AS "p99LatencyMs"
   FROM ( SELECT c."statisticsDate" AS date,
            c."assistantName",
            count(*) AS "sampleCount",
            (avg((ms.ms)::numeric))::double precision AS "averageLatencyMs",
            percentile_cont((ARRAY[0.5, 0.95, 0.99])::double precision[]) WITHIN GROUP (ORDER BY ms.ms) AS percentiles
           FROM (public."Conversation" c
             CROSS JOIN LATERAL unnest(c."latencySamplesMs") ms(ms))
          GROUP BY c."statisticsDate", c."assistantName") l;


--
-- Name: VIEW "DailyLatency"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyLatency" IS 'One row per day and assistant: latency samples (user message to first bot reply, ms) of the sessions started that day, their average and p50/p95/p99 (percentile_cont), recomputed from Conversation.latencySamplesMs because percentiles of groups cannot be averaged.';


--
-- Name: DailyOverview; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."DailyOverview" AS
 SELECT v.date,
    v."assistantName",
    sum(v."totalSessions") AS "totalSessions",
    sum(v."automatedCount") AS "automatedCount",
    sum(v."escalatedCount") AS "escalatedCount",
    ((sum(v."automatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "automationRate",
    ((sum(v."escalatedCount"))::double precision / (NULLIF(sum(v."totalSessions"), 0))::double precision) AS "escalationRate",
    sum(v."csatSatisfied") AS "csatSatisfied",
    sum(v."csatUnsatisfied") AS "csatUnsatisfied",
    sum(v."csatUnanswered") AS "csatUnanswered",
    ((sum(v."csatSatisfied"))::double precision / (NULLIF((sum(v."csatSatisfied") + sum(v."csatUnsatisfied")), 0))::double precision) AS "csatScore",
    (((sum(v."csatSatisfied") + sum(v."csatUnsatisfied")))::double precision / (NULLIF(((sum(v."csatSatisfied") + sum(v."csatUnsatisfied")) + sum(v."csatUnanswered")), 0))::double precision) AS "csatAnsweredShare",
    sum(v."customSuccessCount") AS "customSuccessCount",
    sum(v."customFailureCount") AS "customFailureCount",
    ((sum(v."customSuccessCount"))::double precision / (NULLIF(sum(v."totalSessions") FILTER (WHERE (v."customSuccessCount" IS NOT NULL)), 0))::double precision) AS "customSuccessRate",
    max(v."updatedAt") AS "updatedAt"
   FROM public."VersionDailyStatistics" v
  GROUP BY v.date, v."assistantName";


--
-- Name: VIEW "DailyOverview"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."DailyOverview" IS 'One row per day and assistant: sessions started that day (assistant timezone), automated and escalated sessions and their rates (0..1), CSAT counts, csatScore = satisfied/(satisfied+unsatisfied), csatAnsweredShare = rated/asked, custom success. Sums of VersionDailyStatistics; latency is in DailyLatency.';


--
-- Name: Environment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."Environment" (
    id uuid NOT NULL,
    name text NOT NULL,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE "Environment"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."Environment" IS 'Rasa environments named by the RASA_ENVIRONMENT Kafka header; id = UUIDv5(URL namespace, name).';


--
-- Name: KafkaOffset; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."KafkaOffset" (
    topic text NOT NULL,
    partition integer NOT NULL,
    "nextOffset" bigint NOT NULL,
    "consumerGroup" text NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE "KafkaOffset"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."KafkaOffset" IS 'Next offset to read per partition, written in the same transaction as the rows it covers.';


--
-- Name: LatencySamples; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."LatencySamples" AS
 SELECT c."statisticsDate" AS date,
    c."assistantName",
    c."channelName",
    c."assistantVersion" AS version,
    c.id AS "conversationId",
    s."messageNumber",
    s."latencyMs"
   FROM (public."Conversation" c
     CROSS JOIN LATERAL unnest(c."latencySamplesMs") WITH ORDINALITY s("latencyMs", "messageNumber"));


--
-- Name: VIEW "LatencySamples"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."LatencySamples" IS 'One row per latency sample (user message to first bot reply, ms) with the day, assistant, channel and version of its session: compute exact percentiles for any grouping with percentile_cont(...) WITHIN GROUP (ORDER BY "latencyMs").';


--
-- Name: MachineLearningModel; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."MachineLearningModel" (
    id uuid NOT NULL,
    "modelId" text NOT NULL,
    "modelName" text,
    "assistantName" text,
    "firstSeenAt" timestamp with time zone NOT NULL,
    "lastSeenAt" timestamp with time zone NOT NULL,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE "MachineLearningModel"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."MachineLearningModel" IS 'Trained models seen in metadata.model_id; id = UUIDv5(URL namespace, model_id).';


--
-- Name: RejectedEvent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."RejectedEvent" (
    id uuid NOT NULL,
    reason text NOT NULL,
    detail text NOT NULL,
    "sourcePosition" text NOT NULL,
    topic text,
    partition integer,
    "offset" bigint,
    "fileName" text,
    "lineNumber" bigint,
    key bytea,
    value bytea NOT NULL,
    headers jsonb DEFAULT '[]'::jsonb NOT NULL,
    "senderId" text,
    "sequenceNumber" bigint NOT NULL,
    "rejectedAt" timestamp with time zone DEFAULT now() NOT NULL,
    "replayedAt" timestamp with time zone
);


--
-- Name: TABLE "RejectedEvent"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public."RejectedEvent" IS 'Messages the loader could not store, verbatim, with the reason and where they came from; id = UUIDv5(URL namespace, value bytes + source position).';


--
-- Name: COLUMN "RejectedEvent".reason; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public."RejectedEvent".reason IS 'not_json, not_object, unstorable_text, too_large, missing_field, invalid_field, bad_timestamp, unknown_type or database_refused; "detail" says what and where.';


--
-- Name: Sessions; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."Sessions" AS
 SELECT c.id,
    c."assistantName",
    c."assistantVersion",
    c."channelName",
    c."senderId",
    c."userId",
    env.name AS "environmentName",
    c."statisticsDate" AS day,
    c."startDate",
    c."lastEventAt",
    (EXTRACT(epoch FROM (c."lastEventAt" - c."startDate")))::double precision AS "durationSeconds",
    c."totalNumberOfUserMessages",
    ( SELECT count(*) AS count
           FROM public."ConversationEvent" e
          WHERE (e."conversationId" = c.id)) AS "numberOfEvents",
    (c."escalatedAt" IS NOT NULL) AS escalated,
    (c."escalatedAt" IS NULL) AS automated,
    c."escalatedAt",
    (c."csatRating")::text AS "csatRating",
    cardinality(c."latencySamplesMs") AS "latencySampleCount",
    ( SELECT avg(ms.ms) AS avg
           FROM unnest(c."latencySamplesMs") ms(ms)) AS "averageLatencyMs",
    ( SELECT max(ms.ms) AS max
           FROM unnest(c."latencySamplesMs") ms(ms)) AS "maxLatencyMs",
    array_to_string(c."flowsStarted", ', '::text) AS "flowsStarted",
    c.ingested,
    (c."reviewState")::text AS "reviewState",
    c."lastReviewedAt"
   FROM (public."Conversation" c
     LEFT JOIN public."Environment" env ON ((env.id = c."environmentId")));


--
-- Name: VIEW "Sessions"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."Sessions" IS 'One row per conversation session for BI drill-down: assistant, version, channel, sender, user, environment, day (start in the assistant timezone), start, last event, durationSeconds, user messages, numberOfEvents, escalated/automated, escalatedAt, csatRating, latency average and maximum, flows started, ingested (ended), review state.';


--
-- Name: SuccessCriteria; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public."SuccessCriteria" (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    "assistantName" text NOT NULL,
    "includedFlows" text[] DEFAULT '{}'::text[] NOT NULL,
    "excludedFlows" text[] DEFAULT '{}'::text[] NOT NULL,
    "createdAt" timestamp with time zone DEFAULT now() NOT NULL,
    "updatedAt" timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TopFlows; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public."TopFlows" AS
 SELECT f."assistantName",
    f."flowName",
    (f."flowName" ~~ 'pattern\_%'::text) AS "isPattern",
    sum(f."totalSessions") AS "totalSessions",
    sum(f."automatedCount") AS "automatedCount",
    sum(f."escalatedCount") AS "escalatedCount",
    ((sum(f."automatedCount"))::double precision / (NULLIF(sum(f."totalSessions"), 0))::double precision) AS "automationRate",
    ((sum(f."escalatedCount"))::double precision / (NULLIF(sum(f."totalSessions"), 0))::double precision) AS "escalationRate",
    min(f.date) AS "firstDate",
    max(f.date) AS "lastDate",
    count(*) AS "activeDays",
    rank() OVER (PARTITION BY f."assistantName" ORDER BY (sum(f."totalSessions")) DESC) AS rank
   FROM public."FlowDailyStatistics" f
  GROUP BY f."assistantName", f."flowName";


--
-- Name: VIEW "TopFlows"; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON VIEW public."TopFlows" IS 'One row per assistant and flow over all days: sessions that started it, automated and escalated sessions, their rates (0..1), first and last day, activeDays and rank (1 = most started flow of the assistant). For a date range sum DailyFlows instead.';


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: ConversationEvent_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ConversationEvent" ATTACH PARTITION public."ConversationEvent_default" DEFAULT;


--
-- Name: AssistantRebuild AssistantRebuild_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."AssistantRebuild"
    ADD CONSTRAINT "AssistantRebuild_pkey" PRIMARY KEY ("assistantName");


--
-- Name: ConversationState ConversationState_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."ConversationState"
    ADD CONSTRAINT "ConversationState_pkey" PRIMARY KEY ("conversationId");


--
-- Name: EventPartitionSettings EventPartitionSettings_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."EventPartitionSettings"
    ADD CONSTRAINT "EventPartitionSettings_pkey" PRIMARY KEY (id);


--
-- Name: LatencyBucket LatencyBucket_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."LatencyBucket"
    ADD CONSTRAINT "LatencyBucket_pkey" PRIMARY KEY ("groupId", bucket);


--
-- Name: LatencySample LatencySample_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."LatencySample"
    ADD CONSTRAINT "LatencySample_pkey" PRIMARY KEY ("groupId", bucket, ms);


--
-- Name: QuarantinedStatisticsGroup QuarantinedStatisticsGroup_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."QuarantinedStatisticsGroup"
    ADD CONSTRAINT "QuarantinedStatisticsGroup_pkey" PRIMARY KEY ("groupKey");


--
-- Name: RefreshLog RefreshLog_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."RefreshLog"
    ADD CONSTRAINT "RefreshLog_pkey" PRIMARY KEY (id);


--
-- Name: RoleGrant RoleGrant_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."RoleGrant"
    ADD CONSTRAINT "RoleGrant_pkey" PRIMARY KEY (role);


--
-- Name: SenderSession SenderSession_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."SenderSession"
    ADD CONSTRAINT "SenderSession_pkey" PRIMARY KEY ("senderId");


--
-- Name: SuccessCriteriaGeneration SuccessCriteriaGeneration_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."SuccessCriteriaGeneration"
    ADD CONSTRAINT "SuccessCriteriaGeneration_pkey" PRIMARY KEY ("assistantName");


--
-- Name: VersionStatisticsState VersionStatisticsState_date_assistantName_channelName_versi_key; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."VersionStatisticsState"
    ADD CONSTRAINT "VersionStatisticsState_date_assistantName_channelName_versi_key" UNIQUE (date, "assistantName", "channelName", version);


--
-- Name: VersionStatisticsState VersionStatisticsState_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."VersionStatisticsState"
    ADD CONSTRAINT "VersionStatisticsState_pkey" PRIMARY KEY ("groupId");


--
-- Name: AssistantSettings AssistantSettings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."AssistantSettings"
    ADD CONSTRAINT "AssistantSettings_pkey" PRIMARY KEY ("assistantName");


--
-- Name: ConversationEvent ConversationEvent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ConversationEvent"
    ADD CONSTRAINT "ConversationEvent_pkey" PRIMARY KEY (id, "timestamp");


--
-- Name: ConversationEvent_default ConversationEvent_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."ConversationEvent_default"
    ADD CONSTRAINT "ConversationEvent_default_pkey" PRIMARY KEY (id, "timestamp");


--
-- Name: Conversation Conversation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Conversation"
    ADD CONSTRAINT "Conversation_pkey" PRIMARY KEY (id);


--
-- Name: Environment Environment_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Environment"
    ADD CONSTRAINT "Environment_name_key" UNIQUE (name);


--
-- Name: Environment Environment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Environment"
    ADD CONSTRAINT "Environment_pkey" PRIMARY KEY (id);


--
-- Name: FlowDailyStatistics FlowDailyStatistics_date_assistantName_flowName_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."FlowDailyStatistics"
    ADD CONSTRAINT "FlowDailyStatistics_date_assistantName_flowName_key" UNIQUE (date, "assistantName", "flowName");


--
-- Name: FlowDailyStatistics FlowDailyStatistics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."FlowDailyStatistics"
    ADD CONSTRAINT "FlowDailyStatistics_pkey" PRIMARY KEY (id);


--
-- Name: KafkaOffset KafkaOffset_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."KafkaOffset"
    ADD CONSTRAINT "KafkaOffset_pkey" PRIMARY KEY (topic, partition);


--
-- Name: MachineLearningModel MachineLearningModel_modelId_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."MachineLearningModel"
    ADD CONSTRAINT "MachineLearningModel_modelId_key" UNIQUE ("modelId");


--
-- Name: MachineLearningModel MachineLearningModel_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."MachineLearningModel"
    ADD CONSTRAINT "MachineLearningModel_pkey" PRIMARY KEY (id);


--
-- Name: RejectedEvent RejectedEvent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."RejectedEvent"
    ADD CONSTRAINT "RejectedEvent_pkey" PRIMARY KEY (id);


--
-- Name: SuccessCriteria SuccessCriteria_assistantName_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SuccessCriteria"
    ADD CONSTRAINT "SuccessCriteria_assistantName_key" UNIQUE ("assistantName");


--
-- Name: SuccessCriteria SuccessCriteria_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."SuccessCriteria"
    ADD CONSTRAINT "SuccessCriteria_pkey" PRIMARY KEY (id);


--
-- Name: VersionDailyStatistics VersionDailyStatistics_date_assistantName_channelName_versi_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."VersionDailyStatistics"
    ADD CONSTRAINT "VersionDailyStatistics_date_assistantName_channelName_versi_key" UNIQUE (date, "assistantName", "channelName", version);


--
-- Name: VersionDailyStatistics VersionDailyStatistics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."VersionDailyStatistics"
    ADD CONSTRAINT "VersionDailyStatistics_pkey" PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: QuarantinedDelta_groupKey_idx; Type: INDEX; Schema: analytics; Owner: -
--

CREATE INDEX "QuarantinedDelta_groupKey_idx" ON analytics."QuarantinedDelta" USING btree ("groupKey");


--
-- Name: ConversationEvent_conversationId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "ConversationEvent_conversationId_idx" ON ONLY public."ConversationEvent" USING btree ("conversationId", "sequenceNumber");


--
-- Name: ConversationEvent_default_conversationId_sequenceNumber_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "ConversationEvent_default_conversationId_sequenceNumber_idx" ON public."ConversationEvent_default" USING btree ("conversationId", "sequenceNumber");


--
-- Name: Conversation_senderId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Conversation_senderId_idx" ON public."Conversation" USING btree ("senderId");


--
-- Name: Conversation_startDate_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Conversation_startDate_idx" ON public."Conversation" USING btree ("startDate");


--
-- Name: Conversation_statisticsGroup_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "Conversation_statisticsGroup_idx" ON public."Conversation" USING btree ("assistantName", "statisticsDate", "channelName", "assistantVersion");


--
-- Name: RejectedEvent_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "RejectedEvent_pending_idx" ON public."RejectedEvent" USING btree ("sequenceNumber") WHERE ("replayedAt" IS NULL);


--
-- Name: RejectedEvent_senderId_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX "RejectedEvent_senderId_idx" ON public."RejectedEvent" USING btree ("senderId") WHERE ("senderId" IS NOT NULL);


--
-- Name: ConversationEvent_default_conversationId_sequenceNumber_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public."ConversationEvent_conversationId_idx" ATTACH PARTITION public."ConversationEvent_default_conversationId_sequenceNumber_idx";


--
-- Name: ConversationEvent_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public."ConversationEvent_pkey" ATTACH PARTITION public."ConversationEvent_default_pkey";


--
-- Name: EventReplay event_replay_after_insert; Type: TRIGGER; Schema: analytics; Owner: -
--

CREATE TRIGGER event_replay_after_insert AFTER INSERT ON analytics."EventReplay" REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.apply_inserted_events();

ALTER TABLE analytics."EventReplay" ENABLE ALWAYS TRIGGER event_replay_after_insert;


--
-- Name: AssistantSettings assistant_settings_after_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER assistant_settings_after_change AFTER INSERT OR DELETE OR UPDATE ON public."AssistantSettings" FOR EACH ROW EXECUTE FUNCTION analytics.on_assistant_settings_change();


--
-- Name: AssistantSettings assistant_settings_touch; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER assistant_settings_touch BEFORE UPDATE ON public."AssistantSettings" FOR EACH ROW EXECUTE FUNCTION analytics.touch_updated_at();


--
-- Name: ConversationEvent conversation_event_after_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER conversation_event_after_delete AFTER DELETE ON public."ConversationEvent" REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.on_conversation_event_change();


--
-- Name: ConversationEvent conversation_event_after_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER conversation_event_after_insert AFTER INSERT ON public."ConversationEvent" REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.apply_inserted_events();

ALTER TABLE public."ConversationEvent" ENABLE ALWAYS TRIGGER conversation_event_after_insert;


--
-- Name: ConversationEvent conversation_event_after_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER conversation_event_after_update AFTER UPDATE ON public."ConversationEvent" REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.on_conversation_event_change();


--
-- Name: SuccessCriteria success_criteria_after_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER success_criteria_after_change AFTER INSERT OR DELETE OR UPDATE ON public."SuccessCriteria" FOR EACH ROW EXECUTE FUNCTION analytics.on_success_criteria_change();


--
-- Name: SuccessCriteria success_criteria_touch; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER success_criteria_touch BEFORE UPDATE ON public."SuccessCriteria" FOR EACH ROW EXECUTE FUNCTION analytics.touch_updated_at();


--
-- Name: ConversationState ConversationState_conversationId_fkey; Type: FK CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."ConversationState"
    ADD CONSTRAINT "ConversationState_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES public."Conversation"(id) ON DELETE CASCADE;


--
-- Name: QuarantinedDelta QuarantinedDelta_groupKey_fkey; Type: FK CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics."QuarantinedDelta"
    ADD CONSTRAINT "QuarantinedDelta_groupKey_fkey" FOREIGN KEY ("groupKey") REFERENCES analytics."QuarantinedStatisticsGroup"("groupKey") ON DELETE CASCADE;


--
-- Name: ConversationEvent ConversationEvent_conversationId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public."ConversationEvent"
    ADD CONSTRAINT "ConversationEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES public."Conversation"(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: ConversationEvent ConversationEvent_modelId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public."ConversationEvent"
    ADD CONSTRAINT "ConversationEvent_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES public."MachineLearningModel"(id) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: Conversation Conversation_environmentId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."Conversation"
    ADD CONSTRAINT "Conversation_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES public."Environment"(id);


--
-- Name: VersionDailyStatistics VersionDailyStatistics_successCriteriaId_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public."VersionDailyStatistics"
    ADD CONSTRAINT "VersionDailyStatistics_successCriteriaId_fkey" FOREIGN KEY ("successCriteriaId") REFERENCES public."SuccessCriteria"(id) ON DELETE SET NULL;


--
-- PostgreSQL database dump complete
--



--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261128080000'),
    ('20261128085704'),
    ('20261128101348'),
    ('20261201230000'),
    ('20261201231529'),
    ('20261201231600'),
    ('20261201232000'),
    ('20261201233935'),
    ('20261201234500'),
    ('20261201235401'),
    ('20261201235905'),
    ('20261202000000'),
    ('20261202000116'),
    ('20261202000458'),
    ('20261202000823'),
    ('20261202001000'),
    ('20261202001632'),
    ('20261202001837'),
    ('20261202002249'),
    ('20261202003509'),
    ('20261202003912'),
    ('20261202004752'),
    ('20261202005129'),
    ('20261202010000'),
    ('20261202010714'),
    ('20261202012006'),
    ('20261202012100'),
    ('20261202012243'),
    ('20261202013300'),
    ('20261202013400'),
    ('20261202013430'),
    ('20261202013448'),
    ('20261202013500'),
    ('20261202023839'),
    ('20261202023939'),
    ('20261202025717'),
    ('20261202030055'),
    ('20261202031400'),
    ('20261202033022'),
    ('20261202044200'),
    ('20261202045300'),
    ('20261202053133'),
    ('20261202065353'),
    ('20261202073332'),
    ('20261202075758'),
    ('20261202082544'),
    ('20261202092520');
