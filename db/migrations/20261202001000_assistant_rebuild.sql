-- migrate:up
-- A settings change rebuilds the assistant's conversations in chunks, one
-- chunk per refresh of a running loader, so loaders keep committing while it
-- runs (docs/operations.md, "Changing settings"): this is where each rebuild
-- has got to, by conversation id.
CREATE TABLE analytics."AssistantRebuild" (
  "assistantName" text PRIMARY KEY,  -- '*': every assistant
  "afterId"       uuid,              -- the last conversation rebuilt; NULL: none yet
  "startedAt"     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."AssistantRebuild" IS 'Internal: settings rebuilds in progress, by assistant, and how far each has got.';

-- migrate:down
DROP TABLE analytics."AssistantRebuild";
