-- Carry on the rebuilds that settings changes started (analytics."DirtyAssistant"
-- starts or restarts one per assistant, '*' for all): rebuild the next
-- conversations of each, by id, at most p_limit in all, and remember how far
-- each got in analytics."AssistantRebuild". A rebuild locks "Conversation"
-- against inserts while it runs (analytics.rebuild_conversations), so a
-- running loader's refresh takes one bounded chunk at a time and loaders
-- commit between chunks; conversations a batch merges meanwhile already use
-- the new settings. The lock comes before the chunk is listed: a batch whose
-- merge read the old settings may still be open, and its new conversations
-- must be in the list once it commits, or the rebuild would pass their ids
-- for good (TestSettingsChangeWaitsForAnOpenMerge). Returns how many
-- conversations were rebuilt.
CREATE OR REPLACE FUNCTION analytics.rebuild_assistants(p_limit integer)
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
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
