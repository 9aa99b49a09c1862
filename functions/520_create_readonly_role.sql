-- Create (or update the password of) a login role for a BI tool and grant it
-- read access: the statements of analytics.readonly_role_statements (which
-- say what it refuses and what the role may do). The caller needs CREATEROLE
-- and the schema owner's rights (a superuser, or an administrator that is a
-- member of the owner role: docs/operations.md, "Roles").
CREATE OR REPLACE FUNCTION analytics.create_readonly_role(p_role name, p_password text, p_aggregates_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_role_statements(p_role, p_password, p_aggregates_only)));
END;
$$;
