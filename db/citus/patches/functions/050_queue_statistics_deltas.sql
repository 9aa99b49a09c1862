-- On Citus the merge calls this on a worker, inside its trigger on a shard
-- (analytics.citus_shard names that shard): the statement then runs on this
-- node's shards (analytics.citus_local_sql), like the merge's. Called on the
-- coordinator (rebuilds, erasure), it is an ordinary distributed statement.
-- The queued rows' distribution column is analytics.citus_shard_key().
-- replace:
  WITH old_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_old) AS c
  ),
  new_state AS MATERIALIZED (
    SELECT c.* FROM unnest(p_new) AS c
  ),
-- with:
  EXECUTE analytics.citus_local_sql($queue$
  WITH old_state AS MATERIALIZED (
    SELECT c.* FROM unnest($1::public."Conversation"[]) AS c
  ),
  new_state AS MATERIALIZED (
    SELECT c.* FROM unnest($2::public."Conversation"[]) AS c
  ),
-- end
-- replace:
  WHERE (d."sessions", d."automated", d."escalated") <> (0, 0, 0);
END;
-- with:
  WHERE (d."sessions", d."automated", d."escalated") <> (0, 0, 0)
  $queue$, nullif(current_setting('analytics.citus_shard', true), '')::oid::regclass) USING p_old, p_new;
END;
-- end
