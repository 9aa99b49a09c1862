-- migrate:up
-- What only the merge needs to carry a session forward (its message instants,
-- for latency, and the flows active now) moves out of the table analysts
-- browse, into the analytics schema (docs/decisions.md, "What Conversation
-- carries"). One row per session that has any of it; deleted with the session.
CREATE TABLE analytics."ConversationState" (
  "conversationId" uuid PRIMARY KEY REFERENCES public."Conversation" ("id") ON DELETE CASCADE,
  "userMessageAt" timestamptz[] NOT NULL DEFAULT '{}',
  "botMessageAt" timestamptz[] NOT NULL DEFAULT '{}',
  "flowsActive" text[] NOT NULL DEFAULT '{}'
) WITH (fillfactor = 80);

INSERT INTO analytics."ConversationState" ("conversationId", "userMessageAt", "botMessageAt", "flowsActive")
SELECT c."id", c."userMessageAt", c."botMessageAt", c."flowsActive"
FROM public."Conversation" AS c
WHERE cardinality(c."userMessageAt") + cardinality(c."botMessageAt") + cardinality(c."flowsActive") > 0;

ALTER TABLE public."Conversation"
  DROP COLUMN "userMessageAt",
  DROP COLUMN "botMessageAt",
  DROP COLUMN "flowsActive";

-- migrate:down
ALTER TABLE public."Conversation"
  ADD COLUMN "userMessageAt" timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN "botMessageAt" timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN "flowsActive" text[] NOT NULL DEFAULT '{}';

UPDATE public."Conversation" AS c
SET "userMessageAt" = s."userMessageAt", "botMessageAt" = s."botMessageAt", "flowsActive" = s."flowsActive"
FROM analytics."ConversationState" AS s
WHERE s."conversationId" = c."id";

DROP TABLE analytics."ConversationState";
