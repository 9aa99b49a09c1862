-- The leaves of the range-partitioned ConversationEvent and the instants
-- they hold, [from, to), in time order; the default partition, which takes
-- the rows no leaf holds, is not listed. The loader reads them to COPY each
-- batch straight into the leaves that hold its rows (docs/performance.md,
-- "Event partitions"); maintenance reads them to see what is missing.
CREATE OR REPLACE FUNCTION analytics.event_partitions()
RETURNS TABLE ("partition" text, "from" timestamptz, "to" timestamptz)
LANGUAGE sql
STABLE
SET search_path = analytics, public, pg_temp
AS $$
  SELECT c.relname::text, b[1]::timestamptz, b[2]::timestamptz
  FROM pg_inherits AS i
  JOIN pg_class AS c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                  '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') AS b
  WHERE i.inhparent = 'public."ConversationEvent"'::regclass
    AND b IS NOT NULL
  ORDER BY 2
$$;
