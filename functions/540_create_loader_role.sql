-- Create (or update the password of) the loader's login role and grant it
-- what it needs: the statements of analytics.loader_role_statements. The
-- caller needs CREATEROLE and the schema owner's rights (a superuser, or an
-- administrator that is a member of the owner role). Returns the statements
-- it could not run, as comments (the session_replication_role grant, for a
-- caller that is not a superuser).
CREATE OR REPLACE FUNCTION analytics.create_loader_role(p_role name, p_password text)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY SELECT analytics.execute_statements(ARRAY(SELECT analytics.loader_role_statements(p_role, p_password)));
END;
$$;
