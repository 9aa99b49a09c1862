-- The tables of SPEC section 2, their enums and indexes.
-- Identifiers are quoted camelCase exactly as the SPEC writes them; columns the
-- SPEC does not name are marked "extension" or "internal" in their comments.
-- The logic that fills these tables lives in functions/ and triggers/ and is
-- installed by the generated migration that follows this one.

-- migrate:up
CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS
  'Internal: functions, trigger functions and bookkeeping tables of the ingestion and aggregation logic. BI roles get no access.';

CREATE TYPE "ConversationEventType" AS ENUM (
  -- the 32 types of the seed schema
  'ACTION', 'SESSION_STARTED', 'SLOT', 'RESET_SLOTS', 'FLOW_STARTED',
  'FLOW_INTERRUPTED', 'FLOW_RESUMED', 'FLOW_COMPLETED', 'FLOW_CANCELLED', 'FORM',
  'ACTIVE_LOOP', 'RESTART', 'CONVERSATION_INACTIVE', 'SESSION_ENDED', 'ENTITIES',
  'FOLLOWUP', 'ACTION_EXECUTION_REJECTED', 'STACK', 'ROUTING_SESSION_ENDED',
  'REMINDER', 'CANCEL_REMINDER', 'REWIND', 'UNDO', 'EXPORT', 'PAUSE', 'RESUME',
  'LOOP_INTERRUPTED', 'AGENT_STARTED', 'AGENT_COMPLETED', 'AGENT_INTERRUPTED',
  'AGENT_CANCELLED', 'AGENT_RESUMED',
  -- extensions: user and bot messages, and every other event Rasa defines
  'USER', 'BOT', 'USER_FEATURIZATION', 'SESSION_PAUSED', 'AGENT', 'ERROR'
);
CREATE TYPE "ReviewState" AS ENUM ('UNREVIEWED', 'PARTIALLY_REVIEWED', 'REVIEWED');
CREATE TYPE "CsatRating" AS ENUM ('SATISFIED', 'UNSATISFIED', 'UNANSWERED');

CREATE TABLE "Environment" (
  "id"        uuid PRIMARY KEY,
  "name"      text NOT NULL UNIQUE,
  "createdAt" timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE "Environment" IS 'Rasa environments named by the RASA_ENVIRONMENT Kafka header; id = UUIDv5(URL namespace, name).';

CREATE TABLE "MachineLearningModel" (
  "id"            uuid PRIMARY KEY,
  "modelId"       text NOT NULL UNIQUE,
  "modelName"     text,
  "assistantName" text,
  "firstSeenAt"   timestamptz NOT NULL,
  "lastSeenAt"    timestamptz NOT NULL,
  "createdAt"     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE "MachineLearningModel" IS 'Trained models seen in metadata.model_id; id = UUIDv5(URL namespace, model_id).';

CREATE TABLE "Conversation" (
  "id"                        uuid PRIMARY KEY,
  "assistantName"             text GENERATED ALWAYS AS (coalesce("eventAssistantName", "defaultAssistantName")) STORED,
  "assistantVersion"          text GENERATED ALWAYS AS (coalesce("eventAssistantVersion", 'unknown')) STORED,
  "totalNumberOfUserMessages" integer NOT NULL DEFAULT 0,
  "startDate"                 timestamptz NOT NULL,
  "ingested"                  boolean NOT NULL DEFAULT false,
  "reviewState"               "ReviewState" NOT NULL DEFAULT 'UNREVIEWED',
  "csatRating"                "CsatRating",
  "lastReviewedAt"            timestamptz,
  "escalatedAt"               timestamptz,
  "environmentId"             uuid REFERENCES "Environment" ("id"),
  -- extensions
  "senderId"                  text NOT NULL,
  "channelName"               text GENERATED ALWAYS AS (coalesce("eventChannelName", 'unknown')) STORED,
  "userId"                    text,
  "lastEventAt"               timestamptz NOT NULL,
  "flowsStarted"              text[] NOT NULL DEFAULT '{}',
  "latencySamplesMs"          double precision[] NOT NULL DEFAULT '{}',
  "createdAt"                 timestamptz NOT NULL DEFAULT now(),
  -- internal state of the incremental aggregation (functions/ explains each)
  "defaultAssistantName"      text NOT NULL,
  "eventAssistantName"        text,
  "eventAssistantVersion"     text,
  "eventChannelName"          text,
  "statisticsDate"            date NOT NULL,
  "userMessageAt"             timestamptz[] NOT NULL DEFAULT '{}',
  "botMessageAt"              timestamptz[] NOT NULL DEFAULT '{}',
  "flowsCompleted"            text[] NOT NULL DEFAULT '{}',
  "flowsActive"               text[] NOT NULL DEFAULT '{}',
  "flowsActiveAtEscalation"   text[] NOT NULL DEFAULT '{}'
) WITH (fillfactor = 80);
COMMENT ON TABLE "Conversation" IS 'One row per conversation session, maintained by triggers on ConversationEvent. reviewState and lastReviewedAt belong to reviewers.';
COMMENT ON COLUMN "Conversation"."statisticsDate" IS 'Internal: the day of startDate in the assistant''s timezone; the day the session counts on.';
COMMENT ON COLUMN "Conversation"."latencySamplesMs" IS 'Extension: one sample per user message, ms until the first bot message at or after it.';
CREATE INDEX "Conversation_statisticsGroup_idx"
  ON "Conversation" ("assistantName", "statisticsDate", "channelName", "assistantVersion");
CREATE INDEX "Conversation_startDate_idx" ON "Conversation" ("startDate");
CREATE INDEX "Conversation_senderId_idx" ON "Conversation" ("senderId");

CREATE TABLE "ConversationEvent" (
  "id"             uuid PRIMARY KEY,
  "conversationId" uuid NOT NULL REFERENCES "Conversation" ("id") DEFERRABLE INITIALLY DEFERRED,
  "timestamp"      timestamptz NOT NULL,
  "modelId"        uuid REFERENCES "MachineLearningModel" ("id") DEFERRABLE INITIALLY DEFERRED,
  "type"           "ConversationEventType" NOT NULL,
  "rawData"        jsonb NOT NULL,
  "metadata"       jsonb NOT NULL DEFAULT '{}',
  "actionText"     text,
  "name"           text,
  "flowId"         text,
  "stepId"         text,
  "agentId"        text,
  "slotValue"      jsonb,
  -- extensions
  "senderId"       text NOT NULL,
  "sequenceNumber" bigint NOT NULL,
  "environmentId"  uuid
);
COMMENT ON TABLE "ConversationEvent" IS 'One row per Rasa event as received; id = UUIDv5(URL namespace, message value bytes).';
COMMENT ON COLUMN "ConversationEvent"."sequenceNumber" IS 'Extension: stream order (increasing along each sender''s stream).';
CREATE INDEX "ConversationEvent_conversationId_idx" ON "ConversationEvent" ("conversationId", "sequenceNumber");

CREATE TABLE "SuccessCriteria" (
  "id"            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "assistantName" text NOT NULL UNIQUE,
  "includedFlows" text[] NOT NULL DEFAULT '{}',
  "excludedFlows" text[] NOT NULL DEFAULT '{}',
  "createdAt"     timestamptz NOT NULL DEFAULT now(),
  "updatedAt"     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE "VersionDailyStatistics" (
  "id"                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "date"               date NOT NULL,
  "assistantName"      text NOT NULL,
  "channelName"        text NOT NULL,
  "version"            text NOT NULL,
  "totalSessions"      integer NOT NULL,
  "automatedCount"     integer NOT NULL,
  "escalatedCount"     integer NOT NULL,
  "averageLatencyMs"   double precision,
  "p50LatencyMs"       double precision,
  "p95LatencyMs"       double precision,
  "p99LatencyMs"       double precision,
  "csatSatisfied"      integer NOT NULL,
  "csatUnsatisfied"    integer NOT NULL,
  "csatUnanswered"     integer NOT NULL,
  "customSuccessCount" integer,
  "customFailureCount" integer,
  "createdAt"          timestamptz NOT NULL DEFAULT now(),
  "updatedAt"          timestamptz NOT NULL DEFAULT now(),
  "successCriteriaId"  uuid REFERENCES "SuccessCriteria" ("id") ON DELETE SET NULL,
  UNIQUE ("date", "assistantName", "channelName", "version")
);

CREATE TABLE "FlowDailyStatistics" (
  "id"             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "date"           date NOT NULL,
  "assistantName"  text NOT NULL,
  "flowName"       text NOT NULL,
  "totalSessions"  integer NOT NULL,
  "automatedCount" integer NOT NULL,
  "escalatedCount" integer NOT NULL,
  "createdAt"      timestamptz NOT NULL DEFAULT now(),
  "updatedAt"      timestamptz NOT NULL DEFAULT now(),
  UNIQUE ("date", "assistantName", "flowName")
);

-- Settings per assistant. The row '*' holds the defaults of SPEC section 4; a row
-- for a named assistant overrides the columns it sets (NULL means: use '*').
CREATE TABLE "AssistantSettings" (
  "assistantName"         text PRIMARY KEY,
  "escalationFlows"       text[],
  "escalationActions"     text[],
  "csatFlow"              text,
  "csatSlot"              text,
  "csatSatisfiedValues"   text[],
  "csatUnsatisfiedValues" text[],
  "timezone"              text,
  "createdAt"             timestamptz NOT NULL DEFAULT now(),
  "updatedAt"             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT "AssistantSettings_defaults_complete" CHECK ("assistantName" <> '*' OR (
    "escalationFlows" IS NOT NULL AND "escalationActions" IS NOT NULL AND "csatFlow" IS NOT NULL
    AND "csatSlot" IS NOT NULL AND "csatSatisfiedValues" IS NOT NULL
    AND "csatUnsatisfiedValues" IS NOT NULL AND "timezone" IS NOT NULL)),
  CONSTRAINT "AssistantSettings_timezone_valid" CHECK ("timezone" IS NULL OR now() AT TIME ZONE "timezone" IS NOT NULL)
);
INSERT INTO "AssistantSettings" VALUES (
  '*', '{pattern_human_handoff}', '{action_human_handoff,action_handoff_metric}',
  'pattern_customer_satisfaction', 'csat_score',
  '{satisfied,positive,thumbs_up,true,3,4,5}', '{unsatisfied,negative,thumbs_down,false,1,2}',
  'UTC', now(), now());

CREATE TABLE "RejectedEvent" (
  "id"             uuid PRIMARY KEY,
  "reason"         text NOT NULL,
  "detail"         text NOT NULL,
  "sourcePosition" text NOT NULL,
  "topic"          text,
  "partition"      integer,
  "offset"         bigint,
  "fileName"       text,
  "lineNumber"     bigint,
  "key"            bytea,
  "value"          bytea NOT NULL,
  "headers"        jsonb NOT NULL DEFAULT '[]',
  "senderId"       text,
  "sequenceNumber" bigint NOT NULL,
  "rejectedAt"     timestamptz NOT NULL DEFAULT now(),
  "replayedAt"     timestamptz
);
COMMENT ON COLUMN "RejectedEvent"."reason" IS 'not_json, not_object, unstorable_text, too_large, missing_field, invalid_field, bad_timestamp, unknown_type or database_refused; "detail" says what and where.';
CREATE INDEX "RejectedEvent_pending_idx" ON "RejectedEvent" ("sequenceNumber") WHERE "replayedAt" IS NULL;
COMMENT ON TABLE "RejectedEvent" IS 'Messages the loader could not store, verbatim, with the reason and where they came from; id = UUIDv5(URL namespace, value bytes + source position).';

CREATE TABLE "KafkaOffset" (
  "topic"         text NOT NULL,
  "partition"     integer NOT NULL,
  "nextOffset"    bigint NOT NULL,
  "consumerGroup" text NOT NULL,
  "updatedAt"     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY ("topic", "partition")
);
COMMENT ON TABLE "KafkaOffset" IS 'Next offset to read per partition, written in the same transaction as the rows it covers.';

-- Internal bookkeeping.
-- Rebuilds re-insert a conversation's events here: the table carries the same
-- insert trigger as ConversationEvent, so a rebuild runs exactly the code that
-- ingestion runs (see functions/110_rebuild_conversations.sql).
CREATE UNLOGGED TABLE analytics."EventReplay" (LIKE public."ConversationEvent");
COMMENT ON TABLE analytics."EventReplay" IS 'Internal: empty outside a rebuild.';

CREATE SEQUENCE analytics.stream_block;
COMMENT ON SEQUENCE analytics.stream_block IS 'One value per loader batch; sequenceNumber = block * 2^20 + position in the batch.';
CREATE SEQUENCE analytics.sender_session_epoch;
COMMENT ON SEQUENCE analytics.sender_session_epoch IS 'Moved on when sessions are re-derived outside a loader (replay-rejected): loaders then drop their cached sender states.';

CREATE TABLE analytics."SenderSession" (
  "senderId"                text PRIMARY KEY,
  "conversationId"          uuid NOT NULL,
  "afterSessionStartAction" boolean NOT NULL,
  "updatedAt"               timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."SenderSession" IS 'Where each sender''s events without metadata.session_id go next (SPEC section 3), so sessions survive loader restarts.';

CREATE TABLE analytics."DirtyVersionStatistics" (
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "channelName"   text NOT NULL,
  "version"       text NOT NULL
);
CREATE TABLE analytics."DirtyFlowStatistics" (
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "flowName"      text NOT NULL
);
CREATE TABLE analytics."DirtyConversation" ("conversationId" uuid NOT NULL);
CREATE TABLE analytics."DirtyAssistant" ("assistantName" text NOT NULL);
CREATE TABLE analytics."DirtyModel" (
  "modelId"     uuid NOT NULL,
  "modelName"   text,
  "firstSeenAt" timestamptz NOT NULL,
  "lastSeenAt"  timestamptz NOT NULL
);
CREATE TABLE analytics."RefreshLog" (
  "id"             smallint PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
  "lastRefreshAt"  timestamptz,
  "lastGroups"     integer NOT NULL DEFAULT 0
);
INSERT INTO analytics."RefreshLog" ("id") VALUES (1);

-- migrate:down
DROP TABLE analytics."RefreshLog", analytics."DirtyModel", analytics."DirtyAssistant",
  analytics."DirtyConversation", analytics."DirtyFlowStatistics",
  analytics."DirtyVersionStatistics", analytics."SenderSession";
DROP SEQUENCE analytics.stream_block, analytics.sender_session_epoch;
DROP TABLE analytics."EventReplay";
DROP TABLE "KafkaOffset", "RejectedEvent", "AssistantSettings", "FlowDailyStatistics",
  "VersionDailyStatistics", "SuccessCriteria", "ConversationEvent", "Conversation",
  "MachineLearningModel", "Environment";
DROP TYPE "CsatRating", "ReviewState", "ConversationEventType";
DROP SCHEMA analytics CASCADE;  -- with what a later rollback left for the code before it (20261202013300)
