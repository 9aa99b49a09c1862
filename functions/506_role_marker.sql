-- The comment `analyticsdb grant-readonly` and `grant-loader` put on the login
-- roles they create, and look for before they change one: a role without it
-- was not made by them and is never taken over (p_kind 'readonly' or
-- 'loader'). Roles are shared by every database of a cluster, so which
-- databases a role was granted in is recorded there, in analytics."RoleGrant".
CREATE OR REPLACE FUNCTION analytics.role_marker(p_kind text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE p_kind
    WHEN 'readonly' THEN 'BI login role created by analyticsdb grant-readonly'
    WHEN 'loader' THEN 'Loader login role created by analyticsdb grant-loader'
  END
$$;
