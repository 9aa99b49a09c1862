-- Create (or update the password of) a login role for a BI tool and grant it
-- read access with analytics.grant_readonly (p_aggregates_only: the
-- statistics and aggregate views only). The caller needs CREATEROLE.
-- p_password should be a SCRAM verifier computed by the client (what
-- `analyticsdb grant-readonly` sends), so no password text reaches the server
-- or its log; a plain password is hashed by the server.
-- It only ever changes roles it created (marked by their comment): an
-- existing role of any other origin, and the application's own roles, are
-- refused, so it cannot take over an administrator or lock the loader out.
-- The roles it makes can log in and do nothing else: no CREATEDB,
-- CREATEROLE, REPLICATION or BYPASSRLS; every transaction read-only; queries
-- cut off after 5 minutes, and idle transactions after 10.
CREATE OR REPLACE FUNCTION analytics.create_readonly_role(p_role name, p_password text, p_aggregates_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_marker constant text := 'BI login role created by analyticsdb grant-readonly';
  v_oid oid;
BEGIN
  IF p_role IN (current_user, session_user)
     OR p_role = (SELECT r.rolname FROM pg_class AS c JOIN pg_roles AS r ON r.oid = c.relowner
                  WHERE c.oid = 'public."ConversationEvent"'::regclass) THEN
    RAISE EXCEPTION 'role % is the application''s own role: grant-readonly will not change it', p_role
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT r.oid INTO v_oid FROM pg_roles AS r WHERE r.rolname = p_role;
  IF v_oid IS NULL THEN
    EXECUTE format('CREATE ROLE %I', p_role);
    EXECUTE format('COMMENT ON ROLE %I IS %L', p_role, v_marker);
  ELSIF shobj_description(v_oid, 'pg_authid') IS DISTINCT FROM v_marker THEN
    RAISE EXCEPTION 'role % exists and was not created by grant-readonly: refusing to change it (choose another name)', p_role
      USING ERRCODE = 'duplicate_object';
  END IF;
  EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
                 p_role, p_password);
  EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', p_role);
  EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_role, '5min');
  EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_role, '10min');
  PERFORM analytics.grant_readonly(p_role, p_aggregates_only);
END;
$$;
