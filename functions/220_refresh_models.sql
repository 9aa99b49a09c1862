-- Move MachineLearningModel first/last seen and model name on from what the
-- loaders recorded since the last refresh. Returns how many models changed.
CREATE OR REPLACE FUNCTION analytics.refresh_models()
RETURNS integer
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_models integer;
BEGIN
  WITH seen AS (
    DELETE FROM "DirtyModel" RETURNING *
  ),
  per_model AS (
    SELECT s."modelId", min(s."modelName") AS "modelName",
           min(s."firstSeenAt") AS "firstSeenAt", max(s."lastSeenAt") AS "lastSeenAt"
    FROM seen AS s
    GROUP BY s."modelId"
  )
  UPDATE "MachineLearningModel" AS m SET
    "modelName" = coalesce(m."modelName", p."modelName"),
    "firstSeenAt" = least(m."firstSeenAt", p."firstSeenAt"),
    "lastSeenAt" = greatest(m."lastSeenAt", p."lastSeenAt")
  FROM per_model AS p
  WHERE m."id" = p."modelId"
    AND (m."modelName" IS NULL AND p."modelName" IS NOT NULL
         OR p."firstSeenAt" < m."firstSeenAt" OR p."lastSeenAt" > m."lastSeenAt");
  GET DIAGNOSTICS v_models = ROW_COUNT;
  RETURN v_models;
END;
$$;
