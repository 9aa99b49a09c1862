-- Everything `analyticsdb grant-loader` runs, or prints with --print: the
-- login role (analytics.login_role_statements), its grants
-- (analytics.loader_grant_statements) and, on PostgreSQL 15+, the right to
-- set session_replication_role, with which the loader skips the per-row
-- foreign key checks of its COPY (docs/decisions.md). Only a superuser (or a
-- role holding that right with grant option) may give it: for any other
-- caller it comes as a comment, which analytics.execute_statements passes
-- back instead of running; the loader works without it, slower.
CREATE OR REPLACE FUNCTION analytics.loader_role_statements(p_role name, p_password text)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_set_grant constant text := format('GRANT SET ON PARAMETER session_replication_role TO %I', p_role);
BEGIN
  RETURN QUERY SELECT analytics.login_role_statements(p_role, p_password, 'loader', '{}');
  RETURN QUERY SELECT analytics.loader_grant_statements(p_role);
  IF current_setting('server_version_num')::integer >= 150000 THEN
    IF has_parameter_privilege('session_replication_role', 'SET WITH GRANT OPTION') THEN
      RETURN NEXT v_set_grant;
    ELSE
      RETURN NEXT '-- needs a superuser: ' || v_set_grant;
    END IF;
  END IF;
END;
$$;
