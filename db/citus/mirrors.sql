-- Reference-table mirrors of the coordinator's tables that the merge reads on
-- the workers (analytics.citus_local_sql reads "XMirror" for "X"), re-made by
-- every db.Distribute, so a migration that changes such a table's columns is
-- followed, and kept in step by a statement trigger on the table, in the
-- writer's transaction.
DO $mirrors$
DECLARE
  v_table text;
BEGIN
  SET LOCAL citus.enable_unsafe_triggers = on;
  SET LOCAL client_min_messages = warning;
  FOREACH v_table IN ARRAY ARRAY['public."AssistantSettings"', 'public."SuccessCriteria"', 'analytics."SuccessCriteriaGeneration"'] LOOP
    EXECUTE format('DROP TABLE IF EXISTS analytics.%I', (parse_ident(v_table))[2] || 'Mirror');
    EXECUTE format('CREATE TABLE analytics.%I (LIKE %s)', (parse_ident(v_table))[2] || 'Mirror', v_table);
    PERFORM create_reference_table(format('analytics.%I', (parse_ident(v_table))[2] || 'Mirror'));
    EXECUTE format('INSERT INTO analytics.%I SELECT * FROM %s', (parse_ident(v_table))[2] || 'Mirror', v_table);
    EXECUTE format('CREATE OR REPLACE TRIGGER citus_sync_mirror AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION analytics.citus_sync_mirror()', v_table);
  END LOOP;
END;
$mirrors$;
