-- Reference-table mirrors of the coordinator's tables that the merge reads on
-- the workers (analytics.citus_local_sql reads "XMirror" for "X"), re-made by
-- every db.Distribute, so a migration that changes such a table's columns is
-- followed, and kept in step by a statement trigger on the table, in the
-- writer's transaction. And empty templates of the queues.
DO $mirrors$
DECLARE
  v_mirrored text[];  -- schema, table
  v_mirror text;
  v_queue text;
  v_columns text;
BEGIN
  SET LOCAL citus.enable_unsafe_triggers = on;
  SET LOCAL client_min_messages = warning;
  FOREACH v_mirrored SLICE 1 IN ARRAY ARRAY[ARRAY['public', 'AssistantSettings'], ARRAY['public', 'SuccessCriteria'],
                                      ARRAY['analytics', 'SuccessCriteriaGeneration']] LOOP
    v_mirror := format('analytics.%I', v_mirrored[2] || 'Mirror');
    EXECUTE format('DROP TABLE IF EXISTS %s', v_mirror);
    EXECUTE format('CREATE TABLE %s (LIKE %I.%I)', v_mirror, v_mirrored[1], v_mirrored[2]);
    PERFORM create_reference_table(v_mirror);
    PERFORM analytics.citus_fill_mirror(v_mirrored[1], v_mirrored[2]);
    EXECUTE format('CREATE OR REPLACE TRIGGER citus_sync_mirror AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I.%I
                    FOR EACH STATEMENT EXECUTE FUNCTION analytics.citus_sync_mirror()', v_mirrored[1], v_mirrored[2]);
  END LOOP;
  -- Empty templates of the queues, for the tables of the queues' names on the
  -- workers; models carry what creating one needs.
  FOREACH v_queue IN ARRAY analytics.citus_queues() LOOP
    EXECUTE format('DROP TABLE IF EXISTS analytics.%I', v_queue || 'Template');
    EXECUTE format('CREATE TABLE analytics.%I (LIKE analytics.%I INCLUDING DEFAULTS)', v_queue || 'Template', v_queue);
    IF v_queue = 'DirtyModel' THEN
      ALTER TABLE analytics."DirtyModelTemplate" ADD COLUMN "modelIdText" text, ADD COLUMN "assistantName" text;
    END IF;
    PERFORM create_reference_table(format('analytics.%I', v_queue || 'Template'));
    -- each worker's own table of the queue's name (analytics.citus_flush_queues),
    -- made over connections of its own, which do not see the template yet
    SELECT string_agg(format('%I %s%s', a."attname", format_type(a."atttypid", a."atttypmod"),
                             coalesce(' DEFAULT ' || pg_get_expr(d."adbin", d."adrelid"), '')), ', ' ORDER BY a."attnum")
    INTO v_columns
    FROM pg_attribute AS a
    LEFT JOIN pg_attrdef AS d ON d."adrelid" = a."attrelid" AND d."adnum" = a."attnum"
    WHERE a."attrelid" = format('analytics.%I', v_queue || 'Template')::regclass AND a."attnum" > 0 AND NOT a."attisdropped";
    PERFORM analytics.citus_run_on_workers(format('DROP TABLE IF EXISTS analytics.%1$I; CREATE UNLOGGED TABLE analytics.%1$I (%2$s)',
                                                  v_queue, v_columns));
  END LOOP;
END;
$mirrors$;
