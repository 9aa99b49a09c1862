-- Grant again, to every role grant-readonly or grant-loader granted in this
-- database (analytics."RoleGrant", still carrying its marker), what this
-- version of the schema grants it: `analyticsdb migrate` runs it after the
-- migrations, so a table or view a migration adds or re-creates is readable
-- by the BI roles and usable by the loader without running those commands
-- again. It needs only the schema owner's rights. Returns the roles granted.
CREATE OR REPLACE FUNCTION analytics.refresh_role_grants()
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_role name;
  v_kind text;
  v_roles integer := 0;
BEGIN
  FOR v_role, v_kind IN
    SELECT g."role", g."kind" FROM analytics."RoleGrant" AS g JOIN pg_roles AS r ON r.rolname = g."role"
    WHERE shobj_description(r.oid, 'pg_authid') = analytics.role_marker(CASE g."kind" WHEN 'loader' THEN 'loader' ELSE 'readonly' END)
    ORDER BY g."role"
  LOOP
    IF v_kind = 'loader' THEN
      PERFORM analytics.execute_statements(ARRAY(SELECT analytics.loader_grant_statements(v_role)));
    ELSE
      PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_grant_statements(v_role, v_kind = 'aggregates')));
    END IF;
    v_roles := v_roles + 1;
  END LOOP;
  RETURN v_roles;
END;
$$;
