-- migrate:up
-- Where a session's assistant, version and channel came from (an event, or the
-- loader's default assistant) is the merge's business: it moves to
-- analytics."ConversationState", and Conversation keeps the values, written by
-- the merge instead of generated (docs/decisions.md, "What Conversation
-- carries").
ALTER TABLE analytics."ConversationState"
  ADD COLUMN "defaultAssistantName" text,
  ADD COLUMN "eventAssistantName" text,
  ADD COLUMN "eventAssistantVersion" text,
  ADD COLUMN "eventChannelName" text;

INSERT INTO analytics."ConversationState" AS s ("conversationId", "defaultAssistantName", "eventAssistantName",
  "eventAssistantVersion", "eventChannelName")
SELECT c."id", c."defaultAssistantName", c."eventAssistantName", c."eventAssistantVersion", c."eventChannelName"
FROM public."Conversation" AS c
ON CONFLICT ("conversationId") DO UPDATE SET
  "defaultAssistantName" = excluded."defaultAssistantName",
  "eventAssistantName" = excluded."eventAssistantName",
  "eventAssistantVersion" = excluded."eventAssistantVersion",
  "eventChannelName" = excluded."eventChannelName";

ALTER TABLE analytics."ConversationState" ALTER COLUMN "defaultAssistantName" SET NOT NULL;

-- (IF EXISTS: after a rollback, the columns are plain and a trigger fills them)
DROP TRIGGER IF EXISTS conversation_assistant_origin ON public."Conversation";
DROP FUNCTION IF EXISTS analytics.conversation_assistant_origin();
ALTER TABLE public."Conversation"
  ALTER COLUMN "assistantName" DROP EXPRESSION IF EXISTS,
  ALTER COLUMN "assistantVersion" DROP EXPRESSION IF EXISTS,
  ALTER COLUMN "channelName" DROP EXPRESSION IF EXISTS;
ALTER TABLE public."Conversation"
  DROP COLUMN "defaultAssistantName",
  DROP COLUMN "eventAssistantName",
  DROP COLUMN "eventAssistantVersion",
  DROP COLUMN "eventChannelName";

-- migrate:down
-- The columns come back; assistantName, assistantVersion and channelName stay
-- plain columns (PostgreSQL 15 cannot make them generated again while views
-- read them), filled from the origin columns by a trigger, as they were.
ALTER TABLE public."Conversation"
  ADD COLUMN "defaultAssistantName" text,
  ADD COLUMN "eventAssistantName" text,
  ADD COLUMN "eventAssistantVersion" text,
  ADD COLUMN "eventChannelName" text;

UPDATE public."Conversation" AS c
SET "defaultAssistantName" = coalesce(s."defaultAssistantName", c."assistantName"), "eventAssistantName" = s."eventAssistantName",
    "eventAssistantVersion" = s."eventAssistantVersion", "eventChannelName" = s."eventChannelName"
FROM analytics."ConversationState" AS s
WHERE s."conversationId" = c."id";
UPDATE public."Conversation" SET "defaultAssistantName" = "assistantName" WHERE "defaultAssistantName" IS NULL;
ALTER TABLE public."Conversation" ALTER COLUMN "defaultAssistantName" SET NOT NULL;

CREATE FUNCTION analytics.conversation_assistant_origin()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW."assistantName" := coalesce(NEW."eventAssistantName", NEW."defaultAssistantName");
  NEW."assistantVersion" := coalesce(NEW."eventAssistantVersion", 'unknown');
  NEW."channelName" := coalesce(NEW."eventChannelName", 'unknown');
  RETURN NEW;
END;
$$;
CREATE TRIGGER conversation_assistant_origin BEFORE INSERT OR UPDATE ON public."Conversation"
FOR EACH ROW EXECUTE FUNCTION analytics.conversation_assistant_origin();
-- ALWAYS: the loader writes with session_replication_role = replica
ALTER TABLE public."Conversation" ENABLE ALWAYS TRIGGER conversation_assistant_origin;

ALTER TABLE analytics."ConversationState"
  DROP COLUMN "defaultAssistantName",
  DROP COLUMN "eventAssistantName",
  DROP COLUMN "eventAssistantVersion",
  DROP COLUMN "eventChannelName";
