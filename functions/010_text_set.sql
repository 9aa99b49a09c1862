-- The distinct non-null elements of p_values, sorted: the canonical form of every
-- flow list on "Conversation", so an incremental merge and a rebuild store equal arrays.
CREATE OR REPLACE FUNCTION analytics.text_set(p_values text[])
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}')
  FROM unnest(p_values) AS v
  WHERE v IS NOT NULL
$$;
