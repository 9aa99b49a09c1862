-- Give what depends on a table that is being replaced (p_old) to its
-- replacement (p_new): its triggers (enabled as they were), the views that
-- read it, and its grants. A migration that rebuilds a table calls it before
-- dropping the old one (db/migrations/20261202013500_partition_conversation_event.sql
-- does, both ways). Names print schema-qualified here, in the definitions too.
CREATE OR REPLACE FUNCTION analytics.move_table_dependents(p_old regclass, p_new regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v record;
BEGIN
  FOR v IN SELECT t.tgname, pg_get_triggerdef(t.oid) AS def, t.tgenabled FROM pg_trigger AS t
           WHERE t.tgrelid = p_old AND NOT t.tgisinternal LOOP
    EXECUTE replace(v.def, ' ON ' || p_old::text || ' ', ' ON ' || p_new::text || ' ');
    IF v.tgenabled = 'A' THEN
      EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', p_new, v.tgname);
    END IF;
  END LOOP;
  FOR v IN SELECT DISTINCT r.ev_class::regclass AS view FROM pg_depend AS d JOIN pg_rewrite AS r ON r.oid = d.objid
           WHERE d.refobjid = p_old AND r.ev_class <> p_old LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.view, replace(pg_get_viewdef(v.view), p_old::text, p_new::text));
  END LOOP;
  FOR v IN SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee
           FROM pg_class AS c, aclexplode(c.relacl) AS a
           WHERE c.oid = p_old AND a.grantee <> c.relowner LOOP
    EXECUTE format('GRANT %s ON %s TO %s', v.privilege_type, p_new, v.grantee);
  END LOOP;
END;
$$;
