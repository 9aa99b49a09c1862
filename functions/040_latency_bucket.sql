-- The histogram bucket of a latency sample: 256 buckets per factor e (each
-- about 0.4 % wide), so a group's percentile lookup walks a few thousand
-- bucket counts and then one bucket's samples, however many samples the day
-- holds. Samples under 1 ms share bucket 0. Deterministic, so a sample always
-- lands in the same bucket when it is added and when it is taken away. Not
-- STRICT, so that PostgreSQL inlines it into the queries that call it (NULL
-- still gives NULL).
CREATE OR REPLACE FUNCTION analytics.latency_bucket(p_ms double precision)
RETURNS integer
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN p_ms < 1 THEN 0 ELSE 1 + floor(ln(p_ms) * 256)::integer END
$$;
