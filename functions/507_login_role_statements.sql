-- The statements that create a login role for `analyticsdb grant-readonly`
-- or `grant-loader` (p_kind, see analytics.role_marker), or update its
-- password when the command made it before. Refused: the application's own
-- roles (the caller and the owner of the schema) and any existing role
-- without the kind's marker, so neither command can take over an
-- administrator or another command's role. The role may log in and nothing
-- more by itself: no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or
-- BYPASSRLS (CREATE ROLE's defaults; an existing role is stripped of those it
-- has, since naming SUPERUSER, REPLICATION or BYPASSRLS at all needs a
-- superuser, and the administrator may be none). p_password should be a
-- SCRAM verifier computed by the client (what the commands send), so no
-- password text reaches the server or its log; p_settings are 'name=value'
-- role settings.
CREATE OR REPLACE FUNCTION analytics.login_role_statements(p_role name, p_password text, p_kind text, p_settings text[])
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_marker constant text := analytics.role_marker(p_kind);
  v_oid oid;
  v_strip text;
  v_setting text;
BEGIN
  IF p_role IN (current_user, session_user)
     OR p_role = (SELECT n.nspowner::regrole::name FROM pg_namespace AS n WHERE n.nspname = 'analytics') THEN
    RAISE EXCEPTION 'role % is the application''s own role: grant-% will not change it', p_role, p_kind
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT r.oid INTO v_oid FROM pg_roles AS r WHERE r.rolname = p_role;
  IF v_oid IS NULL THEN
    RETURN NEXT format('CREATE ROLE %I', p_role);
    RETURN NEXT format('COMMENT ON ROLE %I IS %L', p_role, v_marker);
  ELSIF shobj_description(v_oid, 'pg_authid') IS DISTINCT FROM v_marker THEN
    RAISE EXCEPTION 'role % exists and was not created by grant-%: refusing to change it (choose another name)', p_role, p_kind
      USING ERRCODE = 'duplicate_object';
  END IF;
  SELECT concat_ws(' ', CASE WHEN r.rolsuper THEN 'NOSUPERUSER' END, CASE WHEN r.rolcreatedb THEN 'NOCREATEDB' END,
                   CASE WHEN r.rolcreaterole THEN 'NOCREATEROLE' END, CASE WHEN r.rolreplication THEN 'NOREPLICATION' END,
                   CASE WHEN r.rolbypassrls THEN 'NOBYPASSRLS' END) INTO v_strip
  FROM pg_roles AS r WHERE r.oid = v_oid;
  RETURN NEXT format('ALTER ROLE %I WITH %s PASSWORD %L', p_role, concat_ws(' ', 'LOGIN', nullif(v_strip, '')), p_password);
  FOREACH v_setting IN ARRAY p_settings LOOP
    RETURN NEXT format('ALTER ROLE %I SET %s = %L', p_role, split_part(v_setting, '=', 1), substr(v_setting, strpos(v_setting, '=') + 1));
  END LOOP;
END;
$$;
