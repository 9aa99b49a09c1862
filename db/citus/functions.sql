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
  -- a shard is named after its table and shard id: "Conversation_102008"
  SELECT s."shardid" INTO v_shard_id
  FROM pg_class AS c
  JOIN pg_dist_shard AS s ON s."shardid" = substring(c."relname" FROM '_([0-9]+)$')::bigint
  JOIN pg_class AS l ON l."oid" = s."logicalrelid" AND l."relname" || '_' || s."shardid" = c."relname"
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
    -- a mirror stands in for its table (mirrors.sql); mirrors live in
    -- analytics, their tables in either schema
    p_sql := regexp_replace(p_sql,
      '((?:FROM|JOIN|INTO|UPDATE)\s+)(?:(?:public|analytics)\.)?' || quote_ident(regexp_replace(t."relname", 'Mirror$', '')) || '(?![\w"])',
      '\1' || quote_ident(t."nspname") || '.' || quote_ident(t."relname" || '_' || t."shardid"), 'g');
  END LOOP;
  RETURN p_sql;
END;
$$;

-- The distribution column of analytics."QueueOutbox": a conversation of the
-- shard its rows are written on, which the writer sets in
-- analytics.shard_key, so that a row lives on the shard Citus expects it on.
CREATE OR REPLACE FUNCTION analytics.citus_shard_key()
RETURNS uuid
LANGUAGE sql
VOLATILE
AS $$
  SELECT coalesce(nullif(current_setting('analytics.shard_key', true), '')::uuid, gen_random_uuid())
$$;

-- The queues the triggers write (statistics deltas, models seen,
-- conversations to rebuild) are the coordinator's tables, which a trigger on
-- a worker cannot write. Each worker has unlogged tables of the same names
-- (mirrors.sql), always empty outside a transaction, that the triggers'
-- statements write there, and analytics.citus_flush_queues moves what one
-- trigger queued into analytics."QueueOutbox" in one statement; each refresh
-- moves the outbox into the queues (analytics.citus_drain_outbox). One
-- outbox, written once per trigger, so that a drain takes all a trigger
-- queued on a shard or none of it: the fold needs a group's session and
-- latency deltas together. (Temporary tables would do, but a transaction
-- that wrote one cannot be prepared, and Citus commits in two phases.)
CREATE OR REPLACE FUNCTION analytics.citus_queues()
RETURNS text[]
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT ARRAY['DirtyModel', 'DirtyConversation', 'VersionStatisticsDelta', 'LatencySampleDelta', 'FlowStatisticsDelta']
$$;

CREATE OR REPLACE FUNCTION analytics.citus_flush_queues(p_shard regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_queue text;
  v_with text := '';
  v_select text := '';
BEGIN
  IF EXISTS (SELECT 1 FROM pg_dist_local_group WHERE groupid = 0) THEN
    RETURN;  -- on the coordinator (holding shards): queued where they belong
  END IF;
  FOREACH v_queue IN ARRAY analytics.citus_queues() LOOP
    v_with := v_with || CASE WHEN v_with = '' THEN 'WITH ' ELSE ', ' END
              || format('%I AS (DELETE FROM analytics.%I RETURNING *)', 'q_' || v_queue, v_queue);
    v_select := v_select || CASE WHEN v_select = '' THEN '' ELSE ' UNION ALL ' END
                || format('SELECT %L, ROW(q.*)::text FROM %I AS q', v_queue, 'q_' || v_queue);
  END LOOP;
  EXECUTE analytics.citus_local_sql(v_with || ' INSERT INTO analytics."QueueOutbox" ("queue", "row") ' || v_select, p_shard);
END;
$$;

-- Moves the outbox into the queues, at the start of each refresh pass, in the
-- refresh's transaction: the rest of the refresh is the single-node one.
-- Models seen go into MachineLearningModel here (a table of the
-- coordinator, which a worker's trigger cannot write).
CREATE OR REPLACE FUNCTION analytics.citus_drain_outbox()
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_queue text;
  v_columns text;
  v_queues text[];
  v_rows text[];
BEGIN
  -- one statement: a shard's rows of one trigger go together
  WITH moved AS (DELETE FROM analytics."QueueOutbox" RETURNING "queue", "row")
  SELECT array_agg(m."queue"), array_agg(m."row") INTO v_queues, v_rows FROM moved AS m;
  IF v_queues IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO "MachineLearningModel" ("id", "modelId", "modelName", "assistantName", "firstSeenAt", "lastSeenAt")
  SELECT DISTINCT ON (d."modelId") d."modelId", d."modelIdText", d."modelName", d."assistantName", d."firstSeenAt", d."lastSeenAt"
  FROM unnest(v_queues, v_rows) AS o("queue", "row"),
       LATERAL (SELECT (o."row"::analytics."DirtyModelTemplate").*) AS d
  WHERE o."queue" = 'DirtyModel'
  ORDER BY d."modelId", d."firstSeenAt"
  ON CONFLICT ("id") DO NOTHING;
  FOREACH v_queue IN ARRAY analytics.citus_queues() LOOP
    SELECT string_agg(quote_ident(a."attname"), ', ' ORDER BY a."attnum") INTO v_columns
    FROM pg_attribute AS a
    WHERE a."attrelid" = ('analytics.' || quote_ident(v_queue))::regclass AND a."attnum" > 0 AND NOT a."attisdropped";
    EXECUTE format('INSERT INTO analytics.%I (%s) SELECT %s FROM unnest($1, $2) AS o("queue", "row"),
                      LATERAL (SELECT (o."row"::analytics.%I).*) AS d
                    WHERE o."queue" = %L', v_queue, v_columns, v_columns, v_queue || 'Template', v_queue)
      USING v_queues, v_rows;
  END LOOP;
END;
$$;

-- Makes a table's reference-table mirror (mirrors.sql) equal to it. The
-- tables are small (settings, criteria).
CREATE OR REPLACE FUNCTION analytics.citus_fill_mirror(p_schema text, p_table text)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  EXECUTE format('DELETE FROM analytics.%I', p_table || 'Mirror');
  EXECUTE format('INSERT INTO analytics.%I SELECT * FROM %I.%I', p_table || 'Mirror', p_schema, p_table);
END;
$$;

-- Keeps a table's mirror equal to it, in the writer's transaction.
CREATE OR REPLACE FUNCTION analytics.citus_sync_mirror()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so writers need no rights on the mirror
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  PERFORM analytics.citus_fill_mirror(TG_TABLE_SCHEMA, TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

-- Runs p_command on every worker over Citus's connections, as the calling
-- role, and fails with each failing worker's error (run_command_on_workers
-- itself only reports them).
CREATE OR REPLACE FUNCTION analytics.citus_run_on_workers(p_command text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_failed text;
BEGIN
  SELECT string_agg(r."nodename" || ':' || r."nodeport" || ': ' || r."result", '; ') INTO v_failed
  FROM run_command_on_workers(p_command) AS r
  WHERE NOT r."success";
  IF v_failed IS NOT NULL THEN
    RAISE EXCEPTION 'on the workers: %', v_failed;
  END IF;
END;
$$;
