-- p50, p95 and p99 of a statistics group's latency samples, equal to
-- percentile_cont(ARRAY[0.5, 0.95, 0.99]) over them, without sorting them:
-- the samples at the ranks percentile_cont interpolates between are found by
-- walking the group's bucket counts (analytics."LatencyBucket"), then the
-- samples of one bucket (analytics."LatencySample", each value with its
-- multiplicity). percentile_cont(q) over n sorted values v is v[lo] +
-- (v[hi] - v[lo]) * (q*(n-1) - lo), lo and hi the floor and ceiling of
-- q*(n-1), in double precision, as PostgreSQL computes it (orderedsetaggs.c).
CREATE OR REPLACE FUNCTION analytics.latency_percentiles(p_group_id bigint, p_count bigint)
RETURNS double precision[]
LANGUAGE sql
STABLE PARALLEL SAFE
SET search_path = analytics, public, pg_temp
AS $$
  WITH wanted AS (
    SELECT i, q * (p_count - 1) AS pos, floor(q * (p_count - 1))::bigint AS lo, ceil(q * (p_count - 1))::bigint AS hi
    FROM unnest(ARRAY[0.5, 0.95, 0.99]::double precision[]) WITH ORDINALITY AS u(q, i)
  ),
  rank AS (
    SELECT DISTINCT k FROM wanted AS w, LATERAL (VALUES (w.lo), (w.hi)) AS v(k)
  ),
  bucket AS MATERIALIZED (
    SELECT b."bucket", b."n", sum(b."n") OVER (ORDER BY b."bucket") AS "through"
    FROM "LatencyBucket" AS b
    WHERE b."groupId" = p_group_id
  ),
  located AS (
    SELECT r.k, b."bucket", b."through" - b."n" AS "before"
    FROM rank AS r
    CROSS JOIN LATERAL (SELECT b.* FROM bucket AS b WHERE b."through" > r.k ORDER BY b."bucket" LIMIT 1) AS b
  ),
  valued AS (
    SELECT l.k, x."ms"
    FROM located AS l
    CROSS JOIN LATERAL (
      SELECT y."ms"
      FROM (SELECT s."ms", sum(s."n") OVER (ORDER BY s."ms") AS "through"
            FROM "LatencySample" AS s
            WHERE s."groupId" = p_group_id AND s."bucket" = l."bucket") AS y
      WHERE y."through" > l.k - l."before"
      ORDER BY y."ms" LIMIT 1
    ) AS x
  )
  SELECT array_agg(CASE WHEN w.hi = w.lo THEN vl."ms" ELSE vl."ms" + (vh."ms" - vl."ms") * (w.pos - w.lo) END ORDER BY w.i)
  FROM wanted AS w
  JOIN valued AS vl ON vl.k = w.lo
  JOIN valued AS vh ON vh.k = w.hi
  WHERE p_count > 0
$$;
