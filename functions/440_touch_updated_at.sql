-- Row-level BEFORE UPDATE trigger function: keeps "updatedAt" of settings and
-- success criteria rows current.
CREATE OR REPLACE FUNCTION analytics.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  NEW."updatedAt" := now();
  RETURN NEW;
END;
$$;
