-- migrate:up
-- Which SuccessCriteria a queued version delta was counted against. A merge
-- counts custom success against the criteria its statement sees; a criteria
-- change committed concurrently cannot list a group that merge creates, so
-- each delta carries the assistant's generation, and the fold sends deltas
-- of an older generation to a rebuild from "Conversation" instead
-- (docs/decisions.md, "Success criteria changes").
CREATE TABLE analytics."SuccessCriteriaGeneration" (
  "assistantName" text PRIMARY KEY,
  "generation"    bigint NOT NULL
);
COMMENT ON TABLE analytics."SuccessCriteriaGeneration" IS 'Internal: how many times each assistant''s SuccessCriteria changed; queued version deltas carry the generation they were counted against.';

-- Assistants whose SuccessCriteria changed: the refresh rebuilds their
-- statistics groups (listed then, not in the DBA's transaction, which cannot
-- see groups that concurrent merges create).
CREATE TABLE analytics."DirtySuccessCriteria" (
  "assistantName" text NOT NULL
);
COMMENT ON TABLE analytics."DirtySuccessCriteria" IS 'Internal: assistants whose SuccessCriteria changed, waiting for the refresh to rebuild their statistics groups.';

-- Deltas queued before generations existed count as generation 0, what an
-- assistant has until its criteria first change.
ALTER TABLE analytics."VersionStatisticsDelta" ADD COLUMN "criteriaGeneration" bigint NOT NULL DEFAULT 0;

-- migrate:down
ALTER TABLE analytics."VersionStatisticsDelta" DROP COLUMN "criteriaGeneration";
DROP TABLE analytics."DirtySuccessCriteria", analytics."SuccessCriteriaGeneration";
