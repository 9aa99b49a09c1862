-- Create the leaf of ConversationEvent that holds the instant p_at: one
-- interval of analytics."EventPartitionSettings" (a UTC day, ISO week or
-- month), cut short where a leaf made with another interval begins or ends.
-- The rows of that range waiting in the default partition move into it
-- before it is attached, without firing the insert trigger (Conversation
-- already holds what they say). The leaf gets the insert trigger of its own:
-- the loader COPYs into leaves directly, which keeps COPY's batched inserts
-- (a COPY into the partitioned table, whose trigger has a transition table,
-- inserts row by row; docs/performance.md, "Event partitions"). Returns the
-- leaf's name, NULL when a leaf already holds p_at.
-- Locks, in the order writers take them: ConversationEvent (SHARE UPDATE
-- EXCLUSIVE: one creator at a time, readers and writers go on), Conversation
-- (SHARE ROW EXCLUSIVE, which attaching takes for the foreign key: batches
-- wait), the default partition (ACCESS EXCLUSIVE, which attaching takes to
-- check it). All of it takes milliseconds unless many rows move. The loader
-- roles of analytics."RoleGrant" may COPY into the leaf (privileges are
-- checked on the table a COPY names).
CREATE OR REPLACE FUNCTION analytics.create_event_partition(p_at timestamptz)
RETURNS text
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_unit text;
  v_from timestamptz;
  v_to timestamptz;
  v_name text;
  v_role name;
BEGIN
  IF NOT isfinite(p_at) THEN
    RAISE EXCEPTION 'no partition can hold %', p_at USING ERRCODE = 'invalid_parameter_value';
  END IF;
  LOCK TABLE public."ConversationEvent" IN SHARE UPDATE EXCLUSIVE MODE;
  IF EXISTS (SELECT 1 FROM analytics.event_partitions() AS e WHERE p_at >= e."from" AND p_at < e."to") THEN
    RETURN NULL;
  END IF;
  SELECT s."interval" INTO STRICT v_unit FROM "EventPartitionSettings" AS s;
  v_from := date_trunc(v_unit, p_at);
  v_to := v_from + ('1 ' || v_unit)::interval;
  v_from := greatest(v_from, (SELECT max(e."to") FROM analytics.event_partitions() AS e WHERE e."to" <= p_at));
  v_to := least(v_to, (SELECT min(e."from") FROM analytics.event_partitions() AS e WHERE e."from" > p_at));
  v_name := 'ConversationEvent_p' || to_char(v_from, 'YYYYMMDD');

  LOCK TABLE public."Conversation" IN SHARE ROW EXCLUSIVE MODE;
  LOCK TABLE public."ConversationEvent_default" IN ACCESS EXCLUSIVE MODE;
  EXECUTE format('CREATE TABLE public.%I (LIKE public."ConversationEvent" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
  EXECUTE format('WITH moved AS (DELETE FROM public."ConversationEvent_default" AS d
                                 WHERE d."timestamp" >= $1 AND d."timestamp" < $2 RETURNING d.*)
                  INSERT INTO public.%I SELECT * FROM moved', v_name)
    USING v_from, v_to;
  EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I PRIMARY KEY ("id", "timestamp")', v_name, v_name || '_pkey');
  EXECUTE format('CREATE INDEX %I ON public.%I ("conversationId", "sequenceNumber")', v_name || '_conversationId_idx', v_name);
  EXECUTE format('ALTER TABLE public."ConversationEvent" ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                 v_name, v_from, v_to);
  EXECUTE format('CREATE TRIGGER conversation_event_after_insert AFTER INSERT ON public.%I
                  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION analytics.apply_inserted_events()', v_name);
  EXECUTE format('ALTER TABLE public.%I ENABLE ALWAYS TRIGGER conversation_event_after_insert', v_name);
  FOR v_role IN SELECT g."role" FROM "RoleGrant" AS g JOIN pg_roles AS r ON r.rolname = g."role" WHERE g."kind" = 'loader' LOOP
    EXECUTE format('GRANT SELECT, INSERT ON TABLE public.%I TO %I', v_name, v_role);
  END LOOP;
  RETURN v_name;
END;
$$;
