-- Give the rows waiting in the default partition leaves of their own
-- (analytics.create_event_partition moves them), so that the default
-- partition stays empty between maintenance runs: a late or backfilled
-- event is never refused for want of a leaf, and never stays where
-- retention cannot drop it. Rows at infinite instants stay. Returns how many
-- leaves it created.
CREATE OR REPLACE FUNCTION analytics.partition_default_events()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_unit text;
  v_at timestamptz;
  v_made integer := 0;
BEGIN
  SELECT s."interval" INTO STRICT v_unit FROM "EventPartitionSettings" AS s;
  -- Each creation moves at least the earliest row of its interval; a leaf cut
  -- short by a neighbour may leave some of the interval's rows for the next round.
  FOR i IN 1 .. 10 LOOP
    FOR v_at IN SELECT min(d."timestamp") FROM public."ConversationEvent_default" AS d
                WHERE isfinite(d."timestamp")
                GROUP BY date_trunc(v_unit, d."timestamp") LOOP
      IF analytics.create_event_partition(v_at) IS NOT NULL THEN
        v_made := v_made + 1;
      END IF;
    END LOOP;
    EXIT WHEN NOT EXISTS (SELECT 1 FROM public."ConversationEvent_default" AS d WHERE isfinite(d."timestamp"));
  END LOOP;
  RETURN v_made;
END;
$$;
