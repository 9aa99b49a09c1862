-- What a run of our partition maintenance costs against pg_partman's
-- (docs/performance.md, "Event partitions"), in a migrated database, as a
-- superuser, on a server where pg_partman is installed (Debian:
-- postgresql-15-partman):
--
--   psql -X "$DATABASE_URL" -f docs/perf/partition-maintenance.sql
--
-- Each call prints its time (\timing). It leaves extra leaves ahead behind
-- and a table pm_events with pg_partman's schema: use a throw-away database.
\set ON_ERROR_STOP on
\pset pager off
SET client_min_messages = warning;

\echo ours, nothing to do (5 calls)
\timing on
SELECT * FROM analytics.maintain_event_partitions();
SELECT * FROM analytics.maintain_event_partitions();
SELECT * FROM analytics.maintain_event_partitions();
SELECT * FROM analytics.maintain_event_partitions();
SELECT * FROM analytics.maintain_event_partitions();
\timing off
\echo ours, one leaf to make each (5 calls)
UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = "intervalsAhead" + 1;
\timing on
SELECT * FROM analytics.maintain_event_partitions();
\timing off
UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = "intervalsAhead" + 1;
\timing on
SELECT * FROM analytics.maintain_event_partitions();
\timing off
UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = "intervalsAhead" + 1;
\timing on
SELECT * FROM analytics.maintain_event_partitions();
\timing off
UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = "intervalsAhead" + 1;
\timing on
SELECT * FROM analytics.maintain_event_partitions();
\timing off
UPDATE analytics."EventPartitionSettings" SET "intervalsAhead" = "intervalsAhead" + 1;
\timing on
SELECT * FROM analytics.maintain_event_partitions();
\timing off

-- pg_partman 4.x on a copy of ConversationEvent's shape: weekly native
-- leaves, two ahead, the insert trigger on the parent and on its template.
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
CREATE OR REPLACE FUNCTION pm_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TABLE pm_events (LIKE "ConversationEvent" INCLUDING DEFAULTS) PARTITION BY RANGE ("timestamp");
ALTER TABLE pm_events ADD PRIMARY KEY ("id", "timestamp");
CREATE INDEX ON pm_events ("conversationId", "sequenceNumber");
CREATE TRIGGER conversation_event_after_insert AFTER INSERT ON pm_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION pm_noop();
SELECT partman.create_parent('public.pm_events', 'timestamp', 'native', 'weekly', p_premake := 2);
-- without data in the newest leaf, pg_partman makes no more leaves unless told
UPDATE partman.part_config SET infinite_time_partitions = true WHERE parent_table = 'public.pm_events';
SELECT format('CREATE TRIGGER conversation_event_after_insert AFTER INSERT ON %s
                 REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION pm_noop()', template_table)
FROM partman.part_config WHERE parent_table = 'public.pm_events' \gexec

\echo pg_partman, nothing to do (5 calls)
\timing on
SELECT partman.run_maintenance('public.pm_events');
SELECT partman.run_maintenance('public.pm_events');
SELECT partman.run_maintenance('public.pm_events');
SELECT partman.run_maintenance('public.pm_events');
SELECT partman.run_maintenance('public.pm_events');
\timing off
\echo pg_partman, one leaf to make each (5 calls)
UPDATE partman.part_config SET premake = premake + 1 WHERE parent_table = 'public.pm_events';
\timing on
SELECT partman.run_maintenance('public.pm_events');
\timing off
UPDATE partman.part_config SET premake = premake + 1 WHERE parent_table = 'public.pm_events';
\timing on
SELECT partman.run_maintenance('public.pm_events');
\timing off
UPDATE partman.part_config SET premake = premake + 1 WHERE parent_table = 'public.pm_events';
\timing on
SELECT partman.run_maintenance('public.pm_events');
\timing off
UPDATE partman.part_config SET premake = premake + 1 WHERE parent_table = 'public.pm_events';
\timing on
SELECT partman.run_maintenance('public.pm_events');
\timing off
UPDATE partman.part_config SET premake = premake + 1 WHERE parent_table = 'public.pm_events';
\timing on
SELECT partman.run_maintenance('public.pm_events');
\timing off

\echo the leaves pg_partman made, and the triggers they carry (a COPY into a leaf without one skips the merge)
SELECT c.relname AS leaf, pg_get_expr(c.relpartbound, c.oid) AS bounds,
       (SELECT string_agg(t.tgname, ', ') FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = 'public.pm_events'::regclass ORDER BY 1;
