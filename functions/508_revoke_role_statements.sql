-- The statements that take from p_role every privilege it holds on the
-- objects of the schema owner in schemas public and analytics, so that the
-- grants which follow are all it has: a role moved to --aggregates-only, or
-- a relation a new version no longer grants, keeps nothing from before.
-- Partitions are left out: privileges are checked on the partitioned table.
CREATE OR REPLACE FUNCTION analytics.revoke_role_statements(p_role name)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_owner constant oid := (SELECT n.nspowner FROM pg_namespace AS n WHERE n.nspname = 'analytics');
  v_list text;
BEGIN
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname) INTO v_list
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname IN ('public', 'analytics') AND c.relowner = v_owner
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition;
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON TABLE %s FROM %I', v_list, p_role);
  END IF;
  SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ' ORDER BY n.nspname, c.relname) INTO v_list
  FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
  WHERE n.nspname IN ('public', 'analytics') AND c.relowner = v_owner AND c.relkind = 'S';
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON SEQUENCE %s FROM %I', v_list, p_role);
  END IF;
  SELECT string_agg(format('%I.%I(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)), ', '
                    ORDER BY n.nspname, p.proname, p.oid) INTO v_list
  FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
  WHERE n.nspname IN ('public', 'analytics') AND p.proowner = v_owner AND p.prokind = 'f';
  IF v_list IS NOT NULL THEN
    RETURN NEXT format('REVOKE ALL ON FUNCTION %s FROM %I', v_list, p_role);
  END IF;
  RETURN NEXT format('REVOKE ALL ON SCHEMA analytics FROM %I', p_role);
END;
$$;
