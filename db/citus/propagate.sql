-- Every function of the analytics schema exists on the workers too: the
-- triggers that run there call them. Citus creates a function on the workers
-- itself only when it depends on nothing local; the ones that take a table's
-- row type ("Conversation"[]) were created before that table was distributed.
-- Later CREATE OR REPLACE of a function so distributed reaches the workers.
DO $propagate$
DECLARE
  f regprocedure;
BEGIN
  SET LOCAL client_min_messages = warning;
  FOR f IN
    SELECT p."oid"::regprocedure FROM pg_proc AS p
    WHERE p."pronamespace" = 'analytics'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_dist_object AS o WHERE o."classid" = 'pg_proc'::regclass AND o."objid" = p."oid")
  LOOP
    PERFORM create_distributed_function(f);
  END LOOP;
END;
$propagate$;
