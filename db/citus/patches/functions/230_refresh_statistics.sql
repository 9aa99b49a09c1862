-- On Citus the triggers on the workers queue into an outbox: each pass first
-- moves them into the queues (analytics.citus_drain_outbox), so the
-- statistics pass takes in what the rebuilds' replays queued, as on one node.
-- replace:
  FOR v_pass IN 1 .. 2 LOOP
-- with:
  FOR v_pass IN 1 .. 2 LOOP
    PERFORM analytics.citus_drain_outbox();
-- end
