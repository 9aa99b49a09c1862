-- Make sure leaves of ConversationEvent hold every instant of [p_from, p_to)
-- (by default: from the start of the current interval to
-- "intervalsAhead" intervals from now, analytics."EventPartitionSettings"),
-- and that the rows waiting in the default partition have leaves of their
-- own. The loaders' maintenance calls it (analytics.maintain_event_partitions),
-- and so does `analyticsdb migrate`. Returns how many leaves it created.
CREATE OR REPLACE FUNCTION analytics.ensure_event_partitions(p_from timestamptz DEFAULT NULL, p_to timestamptz DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_step interval;
  v_at timestamptz;
  v_to timestamptz;
  v_next timestamptz;
  v_made integer;
BEGIN
  SELECT ('1 ' || s."interval")::interval, coalesce(p_from, date_trunc(s."interval", now())),
         coalesce(p_to, now() + s."intervalsAhead" * ('1 ' || s."interval")::interval)
  INTO STRICT v_step, v_at, v_to
  FROM "EventPartitionSettings" AS s;
  IF NOT (isfinite(v_at) AND isfinite(v_to)) OR v_to > v_at + 1000 * v_step THEN
    RAISE EXCEPTION 'ensure_event_partitions(%, %): more than 1000 partitions', v_at, v_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_made := analytics.partition_default_events();
  WHILE v_at < v_to LOOP
    SELECT e."to" INTO v_next FROM analytics.event_partitions() AS e WHERE v_at >= e."from" AND v_at < e."to";
    IF NOT FOUND THEN
      PERFORM analytics.create_event_partition(v_at);
      v_made := v_made + 1;
      SELECT e."to" INTO STRICT v_next FROM analytics.event_partitions() AS e WHERE v_at >= e."from" AND v_at < e."to";
    END IF;
    v_at := v_next;
  END LOOP;
  RETURN v_made;
END;
$$;
