-- Retention: drop the leaves of ConversationEvent that hold only instants
-- before p_before (rows waiting in the default partition get leaves of their
-- own first, so old ones go too), and record each dropped range in
-- analytics."DroppedEventRange". Conversation rows and the daily statistics
-- stay exactly as they were; what is lost is the raw events, and with them
-- rebuilding those sessions (analytics.events_dropped_before;
-- docs/operations.md, "Retention", says what else, and how to archive a
-- leaf first). `analyticsdb retention --keep-events 90d` calls it, and so
-- does the loaders' maintenance when "keepEvents" is set. Refuses to drop
-- the last day. Each DROP takes an ACCESS EXCLUSIVE lock on ConversationEvent
-- for a moment. Returns what it dropped, with the rows each leaf held just
-- before.
CREATE OR REPLACE FUNCTION analytics.drop_event_partitions(p_before timestamptz)
RETURNS TABLE ("partition" text, "from" timestamptz, "to" timestamptz, "events" bigint)
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
  v_leaf record;
BEGIN
  IF p_before IS NULL OR p_before > now() - interval '1 day' THEN
    RAISE EXCEPTION 'drop_event_partitions(%): retention keeps at least the last day of events', p_before
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM analytics.partition_default_events();
  FOR v_leaf IN SELECT e.* FROM analytics.event_partitions() AS e WHERE e."to" <= p_before ORDER BY e."from" LOOP
    "partition" := v_leaf."partition";
    "from" := v_leaf."from";
    "to" := v_leaf."to";
    EXECUTE format('SELECT count(*) FROM public.%I', v_leaf."partition") INTO "events";
    EXECUTE format('DROP TABLE public.%I', v_leaf."partition");
    INSERT INTO "DroppedEventRange" ("partition", "from", "to", "events")
    VALUES ("partition", "from", "to", "events");
    RETURN NEXT;
  END LOOP;
END;
$$;
