-- Rebuild, from their events, the next conversations (by id, after p_after)
-- that count on days p_from .. p_to (NULL: unbounded), at most p_limit of
-- them; returns the last id rebuilt, NULL when none was left. Each call is
-- one bounded chunk: `analytics recompute` calls it in its own transaction
-- each time, so loaders commit between chunks (a rebuild locks
-- "Conversation" against inserts while it runs); analytics.recompute calls it
-- in one transaction.
CREATE OR REPLACE FUNCTION analytics.recompute_conversations(p_from date, p_to date, p_after uuid, p_limit integer)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
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
