-- Create (or update the password of) a login role for a BI tool and grant it
-- read access with analytics.grant_readonly (p_aggregates_only: the statistics
-- and aggregate views only). The caller needs CREATEROLE.
CREATE OR REPLACE FUNCTION analytics.create_readonly_role(p_role name, p_password text, p_aggregates_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
    EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', p_role, p_password);
  ELSE
    EXECUTE format('CREATE ROLE %I WITH LOGIN PASSWORD %L', p_role, p_password);
  END IF;
  PERFORM analytics.grant_readonly(p_role, p_aggregates_only);
END;
$$;
