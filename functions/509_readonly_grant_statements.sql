-- The grants of a read-only BI role (analytics.grant_readonly): after
-- taking back whatever it held (analytics.revoke_role_statements), CONNECT,
-- and SELECT on the relations of analytics.readonly_relations (with
-- p_aggregates_only, the statistics and aggregate views only). The role is
-- recorded in analytics."RoleGrant", so `analyticsdb migrate` grants it what
-- a new version adds.
CREATE OR REPLACE FUNCTION analytics.readonly_grant_statements(p_role name, p_aggregates_only boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY SELECT analytics.revoke_role_statements(p_role);
  RETURN NEXT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_role);
  RETURN NEXT format('GRANT USAGE ON SCHEMA public TO %I', p_role);
  RETURN NEXT format('GRANT SELECT ON TABLE %s TO %I',
                     (SELECT string_agg(format('public.%I', r), ', ') FROM unnest(analytics.readonly_relations(p_aggregates_only)) AS r),
                     p_role);
  RETURN NEXT format('INSERT INTO analytics."RoleGrant" ("role", "kind") VALUES (%L, %L) '
                     'ON CONFLICT ("role") DO UPDATE SET "kind" = excluded."kind", "grantedAt" = now()',
                     p_role, CASE WHEN p_aggregates_only THEN 'aggregates' ELSE 'readonly' END);
END;
$$;
