-- migrate:up
-- A statistics group whose deltas cannot be folded (a value PostgreSQL
-- refuses, a bug) is set aside with its error instead of stopping every
-- refresh (docs/operations.md, "Quarantined statistics groups"). Its deltas,
-- those queued then and those that come later, wait here until a DBA releases
-- the group with analytics.release_quarantined_group. Keyed by an md5 of the
-- group's key: the key's own text may be what no index can hold.
CREATE TABLE analytics."QuarantinedStatisticsGroup" (
  "groupKey"      text PRIMARY KEY,
  "kind"          text NOT NULL CHECK ("kind" IN ('version', 'flow')),
  "assistantName" text NOT NULL,
  "date"          date NOT NULL,
  "channelName"   text,
  "version"       text,
  "flowName"      text,
  "sqlstate"      text NOT NULL,
  "error"         text NOT NULL,
  "quarantinedAt" timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."QuarantinedStatisticsGroup" IS 'Statistics groups the refresh could not fold, with the error; their deltas wait in analytics."QuarantinedDelta".';

CREATE TABLE analytics."QuarantinedDelta" (
  "groupKey" text NOT NULL REFERENCES analytics."QuarantinedStatisticsGroup" ("groupKey") ON DELETE CASCADE,
  "queue"    text NOT NULL,  -- the delta table the row came from
  "delta"    jsonb NOT NULL
);
CREATE INDEX "QuarantinedDelta_groupKey_idx" ON analytics."QuarantinedDelta" ("groupKey");

-- Identifiers that are not strings now count as absent (analytics.identifier):
-- the conversations that took the text of one (an array, a number) are
-- rebuilt by the next refresh.
INSERT INTO analytics."DirtyConversation" ("conversationId")
SELECT DISTINCT e."conversationId"
FROM public."ConversationEvent" AS e
WHERE jsonb_typeof(e."metadata" -> 'assistant_id') NOT IN ('string', 'null')
   OR jsonb_typeof(e."metadata" -> 'model_id') NOT IN ('string', 'null')
   OR jsonb_typeof(e."metadata" -> 'model_name') NOT IN ('string', 'null')
   OR jsonb_typeof(e."rawData" -> 'input_channel') NOT IN ('string', 'null')
   OR jsonb_typeof(e."rawData" -> 'user_id') NOT IN ('string', 'null');

-- migrate:down
DROP TABLE analytics."QuarantinedDelta", analytics."QuarantinedStatisticsGroup";
