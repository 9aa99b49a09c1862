-- Objects that exist only on Citus (db.Distribute creates them before the
-- variants that call them).

-- The SQL of a statement a trigger runs on a worker, with every table it
-- names turned into that table's shard on this node: the shard colocated with
-- p_shard (the shard the trigger fired on), or the local copy of a reference
-- table. Citus refuses to run a distributed query from inside a query on a
-- shard when any of its work is remote, and cannot read a transition table
-- inside one; on the local shards it is plain PostgreSQL. Tables are
-- recognised where they follow FROM, JOIN, INTO or UPDATE. With p_shard NULL,
-- or a table that is no shard, the SQL is returned as it is.
CREATE OR REPLACE FUNCTION analytics.citus_local_sql(p_sql text, p_shard regclass)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_shard_id bigint;
  t record;
BEGIN
  IF p_shard IS NULL THEN
    RETURN p_sql;
  END IF;
  SELECT s."shardid" INTO v_shard_id
  FROM pg_class AS c
  JOIN pg_dist_shard AS s ON c."relname" = (SELECT l."relname" FROM pg_class AS l WHERE l."oid" = s."logicalrelid") || '_' || s."shardid"
  WHERE c."oid" = p_shard;
  IF v_shard_id IS NULL THEN
    RETURN p_sql;
  END IF;
  FOR t IN
    SELECT n."nspname", l."relname", o."shardid"
    FROM pg_dist_shard AS s
    JOIN pg_dist_partition AS p ON p."logicalrelid" = s."logicalrelid"
    JOIN pg_dist_partition AS q ON q."colocationid" = p."colocationid"
    JOIN pg_dist_shard AS o ON o."logicalrelid" = q."logicalrelid" AND o."shardminvalue" = s."shardminvalue"
    JOIN pg_class AS l ON l."oid" = o."logicalrelid"
    JOIN pg_namespace AS n ON n."oid" = l."relnamespace"
    WHERE s."shardid" = v_shard_id
    UNION ALL
    SELECT n."nspname", l."relname", o."shardid"
    FROM pg_dist_partition AS p
    JOIN pg_dist_shard AS o ON o."logicalrelid" = p."logicalrelid"
    JOIN pg_class AS l ON l."oid" = o."logicalrelid"
    JOIN pg_namespace AS n ON n."oid" = l."relnamespace"
    WHERE p."partmethod" = 'n' AND p."repmodel" = 't'  -- reference tables, not Citus local ones
  LOOP
    -- a queue's outbox stands in for the queue (analytics.citus_drain_outboxes),
    -- a mirror for its table (mirrors.sql); both live in analytics, their
    -- tables in either schema
    p_sql := regexp_replace(p_sql,
      '((?:FROM|JOIN|INTO|UPDATE)\s+)(?:(?:public|analytics)\.)?' || quote_ident(regexp_replace(t."relname", '(Outbox|Mirror)$', '')) || '(?![\w"])',
      '\1' || quote_ident(t."nspname") || '.' || quote_ident(t."relname" || '_' || t."shardid"), 'g');
  END LOOP;
  RETURN p_sql;
END;
$$;

-- The distribution column of the queues the triggers write on the workers
-- (the statistics deltas, models seen): a conversation of the shard they
-- are written on, which the writer sets in analytics.shard_key, so that the
-- row lives on the shard Citus expects it on; a random one when none is set
-- (a write from the coordinator, which Citus routes).
CREATE OR REPLACE FUNCTION analytics.citus_shard_key()
RETURNS uuid
LANGUAGE sql
VOLATILE
AS $$
  SELECT coalesce(nullif(current_setting('analytics.shard_key', true), '')::uuid, gen_random_uuid())
$$;

-- The triggers on the workers cannot write the coordinator's queues: they
-- write outboxes, distributed like the conversations (the queue's columns
-- plus "shardKey"), and each refresh first moves what they hold into the
-- queues, in its own transaction, so the rest of the refresh is the
-- single-node one. Models seen go into MachineLearningModel here (a
-- reference table, which a worker's trigger cannot write).
CREATE OR REPLACE FUNCTION analytics.citus_drain_outboxes()
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_queue text;
  v_columns text;
  v_rows text[];
BEGIN
  INSERT INTO "MachineLearningModel" ("id", "modelId", "modelName", "assistantName", "firstSeenAt", "lastSeenAt")
  SELECT DISTINCT ON (d."modelId") d."modelId", d."modelIdText", d."modelName", d."assistantName", d."firstSeenAt", d."lastSeenAt"
  FROM "DirtyModelOutbox" AS d
  ORDER BY d."modelId", d."firstSeenAt"
  ON CONFLICT ("id") DO NOTHING;
  FOREACH v_queue IN ARRAY ARRAY['DirtyModel', 'DirtyConversation', 'VersionStatisticsDelta', 'LatencySampleDelta', 'FlowStatisticsDelta'] LOOP
    SELECT string_agg(quote_ident(a."attname"), ', ' ORDER BY a."attnum") INTO v_columns
    FROM pg_attribute AS a
    WHERE a."attrelid" = ('analytics.' || quote_ident(v_queue))::regclass AND a."attnum" > 0 AND NOT a."attisdropped";
    -- in two statements: Citus does not insert into a local table from a
    -- distributed modifying CTE
    EXECUTE format('WITH moved AS (DELETE FROM analytics.%I RETURNING %s) SELECT array_agg(ROW(%s)::text) FROM moved',
                   v_queue || 'Outbox', v_columns, v_columns) INTO v_rows;
    IF v_rows IS NOT NULL THEN
      EXECUTE format('INSERT INTO analytics.%I SELECT (r::analytics.%I).* FROM unnest($1) AS r', v_queue, v_queue) USING v_rows;
    END IF;
  END LOOP;
END;
$$;

-- Keeps a table's reference-table mirror (mirrors.sql) equal to it, in the
-- writer's transaction. The tables are small (settings, criteria).
CREATE OR REPLACE FUNCTION analytics.citus_sync_mirror()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so writers need no rights on the mirror
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  EXECUTE format('DELETE FROM analytics.%I', TG_TABLE_NAME || 'Mirror');
  EXECUTE format('INSERT INTO analytics.%I SELECT * FROM %I.%I', TG_TABLE_NAME || 'Mirror', TG_TABLE_SCHEMA, TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
