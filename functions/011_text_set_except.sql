-- The elements of p_values that are not in p_removed, as a canonical set.
CREATE OR REPLACE FUNCTION analytics.text_set_except(p_values text[], p_removed text[])
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT analytics.text_set(array_agg(v))
  FROM unnest(p_values) AS v
  WHERE v <> ALL (coalesce(p_removed, '{}'))
$$;
