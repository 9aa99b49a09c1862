-- On Citus the triggers on the workers queue into outboxes: each refresh
-- first moves them into the queues (analytics.citus_drain_outboxes).
-- replace:
  v_started := clock_timestamp();
-- with:
  v_started := clock_timestamp();
  PERFORM analytics.citus_drain_outboxes();
-- end
