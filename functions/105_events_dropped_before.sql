-- The instant before which retention may have dropped events
-- (analytics.drop_event_partitions), NULL while it never dropped any. A
-- conversation that started before it may have lost events, so it cannot be
-- rebuilt from them: rebuilds leave it as it is
-- (analytics.rebuild_conversations) and recompute refuses its day
-- (analytics.recompute_from). docs/operations.md, "Retention".
CREATE OR REPLACE FUNCTION analytics.events_dropped_before()
RETURNS timestamptz
LANGUAGE sql
STABLE
SET search_path = analytics, public, pg_temp
AS $$
  SELECT max(d."to") FROM "DroppedEventRange" AS d
$$;
