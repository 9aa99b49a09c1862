-- The leaves of the range-partitioned ConversationEvent and the instants
-- they hold, [from, to), in time order; the default partition, which takes
-- the rows no leaf holds, is not listed. "insertTrigger" says the leaf
-- carries the insert trigger, enabled ALWAYS, as analytics.create_event_partition
-- gives it: the loader COPYs each batch straight into the leaves that do
-- (docs/performance.md, "Event partitions"), and routes rows of any other
-- leaf (one made by hand, say) through the partitioned table, whose trigger
-- then fires. Maintenance reads them to see what is missing.
CREATE OR REPLACE FUNCTION analytics.event_partitions()
RETURNS TABLE ("partition" text, "from" timestamptz, "to" timestamptz, "insertTrigger" boolean)
LANGUAGE sql
STABLE
SET search_path = analytics, public, pg_temp
AS $$
  -- The bounds as PostgreSQL prints them: FOR VALUES FROM ('…') TO ('…')
  -- (split_part costs a third of a regular expression; MINVALUE and
  -- MAXVALUE bounds, unquoted, are left out).
  SELECT c.relname::text, split_part(b, '''', 2)::timestamptz, split_part(b, '''', 4)::timestamptz,
         EXISTS (SELECT 1 FROM pg_trigger AS t
                 WHERE t.tgrelid = c.oid AND t.tgname = 'conversation_event_after_insert' AND t.tgenabled = 'A'
                   AND t.tgfoid = 'analytics.apply_inserted_events()'::regprocedure)
  FROM pg_inherits AS i
  JOIN pg_class AS c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL pg_get_expr(c.relpartbound, c.oid) AS b
  WHERE i.inhparent = 'public."ConversationEvent"'::regclass
    AND b LIKE 'FOR VALUES FROM (''%'') TO (''%'')'
  ORDER BY 2
$$;
