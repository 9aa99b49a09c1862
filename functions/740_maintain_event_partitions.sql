-- The loaders' partition maintenance, run at start and every few minutes:
-- leaves ahead of time (analytics.ensure_event_partitions) and, when
-- analytics."EventPartitionSettings"."keepEvents" is set, retention
-- (analytics.drop_event_partitions). One run at a time (a row lock on the
-- settings; a second caller returns at once with nothing done). Gives up
-- after a second's wait for a lock (SQLSTATE 55P03, lock_not_available)
-- rather than hold up batches behind a long reader; the next run tries again,
-- and the leaves made ahead leave it time. Returns the leaves created and
-- dropped. Runs as the schema owner: the loader's role may create no table.
CREATE OR REPLACE FUNCTION analytics.maintain_event_partitions()
RETURNS TABLE ("created" integer, "dropped" integer)
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
SET lock_timeout = '1s'
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
