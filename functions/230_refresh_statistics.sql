-- The refresh the loader runs after each commit and on a short interval (and a
-- DBA may run any time): rebuild what stream order could not keep exact, fold
-- the statistics deltas ingestion queued, and rebuild the statistics groups
-- queued for it. One refresh at a time (a row lock on analytics."RefreshLog"):
-- with p_wait false a second caller returns -1 at once and the work it would
-- have done is left for the next round.
-- Returns the number of conversations rebuilt plus groups recomputed.
CREATE OR REPLACE FUNCTION analytics.refresh_statistics(p_wait boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
SET jit = off  -- compiling these plans costs seconds and saves nothing on batch-sized inputs
AS $$
DECLARE
  v_chunk_size constant integer := coalesce(nullif(current_setting('analytics.rebuild_chunk', true), '')::integer, 2000);
  v_budget constant interval := coalesce(nullif(current_setting('analytics.rebuild_budget_ms', true), '')::integer, 100)
                                * interval '1 millisecond';
  v_step integer := 20;  -- the first step's size; the next ones fill what is left of the budget
  v_step_started timestamptz;
  v_per_conversation double precision;
  v_work_before integer;
  v_lock_timeout constant text := current_setting('lock_timeout');
  v_rebuilt integer := 0;
  v_chunk integer;
  v_ids uuid[];
  v_work integer := 0;
  v_started timestamptz;
  v_rebuild_started timestamptz;
BEGIN
  -- One refresh at a time: a row lock on analytics."RefreshLog", which only
  -- the application's roles may update. (An advisory lock, as before, could
  -- be taken by any role, a BI tool's too, and froze the refresh.)
  IF p_wait THEN
    PERFORM 1 FROM "RefreshLog" FOR UPDATE;
  ELSE
    PERFORM 1 FROM "RefreshLog" FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      RETURN -1;
    END IF;
  END IF;
  v_started := clock_timestamp();

  -- Two parts: the rebuilds, which lock "Conversation" against inserts until
  -- this refresh commits (analytics.rebuild_conversations), and the
  -- statistics. Waiting (a DBA, recompute) the rebuilds go first and the fold
  -- takes in what they queued. A loader's refresh does them last, so the
  -- lock lasts only as long as they do, not the statistics work after them
  -- (a SuccessCriteria change's refresh of every group of an assistant ran
  -- 45 s with 1M conversations); what they queue is folded next time.
  FOR v_pass IN 1 .. 2 LOOP
    IF (v_pass = 1) = p_wait THEN
      v_work_before := v_work;
      BEGIN
        -- A loader's refresh waits for the lock on "Conversation" no longer
        -- than its budget, and leaves the rebuilds for the next refresh when
        -- it did not get it: the batches behind its lock request wait with it,
        -- and what it waited for may be an autovacuum of "Conversation" (a
        -- rebuild rewrites rows), which PostgreSQL cancels only after
        -- deadlock_timeout, 1 s by default (docs/performance.md,
        -- "Maintenance during ingestion").
        IF NOT p_wait THEN
          PERFORM set_config('lock_timeout', greatest(1, extract(epoch FROM v_budget) * 1000)::bigint || 'ms', true);
        END IF;
        -- Events inserted out of stream order, edited or deleted.
        FOR v_ids IN
          WITH d AS (DELETE FROM "DirtyConversation" RETURNING "conversationId")
          SELECT array_agg(x."conversationId")
          FROM (SELECT DISTINCT d."conversationId", dense_rank() OVER (ORDER BY d."conversationId") / 1000 AS chunk
                FROM d) AS x
          GROUP BY x.chunk
        LOOP
          v_work := v_work + analytics.rebuild_conversations(v_ids);
        END LOOP;

        -- Settings changed: rebuild the assistants' conversations ('*': all),
        -- in chunks when a loader refreshes, so that its batches go on
        -- committing in between; all of it when the caller waits. A loader's
        -- chunk is bounded by time as well as by analytics.rebuild_chunk: steps
        -- until analytics.rebuild_budget_ms have passed, the first of 20
        -- conversations, each next one as many as the last step's time per
        -- conversation leaves room for. What a conversation costs depends on
        -- its events and on the box's load: a count alone held batches for
        -- 2.8 s on a loaded box, and fixed steps of 100 overshot the budget
        -- (docs/performance.md, "Maintenance during ingestion").
        v_rebuild_started := clock_timestamp();
        LOOP
          v_step_started := clock_timestamp();
          v_chunk := analytics.rebuild_assistants(CASE WHEN p_wait THEN v_chunk_size
                                                       ELSE least(v_step, v_chunk_size - v_rebuilt) END);
          v_rebuilt := v_rebuilt + v_chunk;
          EXIT WHEN v_chunk = 0
                 OR NOT p_wait AND (v_rebuilt >= v_chunk_size OR clock_timestamp() - v_rebuild_started >= v_budget);
          v_per_conversation := extract(epoch FROM clock_timestamp() - v_step_started) / v_chunk;
          v_step := greatest(1, least(v_chunk_size, floor(
                      extract(epoch FROM v_budget - (clock_timestamp() - v_rebuild_started)) / nullif(v_per_conversation, 0))))::integer;
        END LOOP;
        v_work := v_work + v_rebuilt;
        PERFORM set_config('lock_timeout', v_lock_timeout, true);
      EXCEPTION WHEN lock_not_available THEN
        IF p_wait THEN
          RAISE;
        END IF;
        v_work := v_work_before;  -- rolled back: the next refresh tries again
      END;
    ELSE
      -- What the merges and rebuilds queued, then the groups queued for a
      -- rebuild from "Conversation" (in this order: a rebuild replaces what
      -- was folded).
      v_work := v_work + analytics.fold_statistics_deltas();
      v_work := v_work + analytics.refresh_version_statistics();
      v_work := v_work + analytics.refresh_flow_statistics();
    END IF;
  END LOOP;

  -- Last: moving models on locks their rows until this commits, and a
  -- batch's merge, which holds its lock on "Conversation", waits for a model
  -- row it sees. Before the rebuilds, whose lock waits for that batch, that
  -- was a deadlock (TestALoadersRefreshDoesNotDeadlockABatch).
  PERFORM analytics.refresh_models();

  UPDATE "RefreshLog" SET "lastRefreshAt" = clock_timestamp(), "lastGroups" = v_work,
    "lastDurationMs" = extract(epoch FROM clock_timestamp() - v_started) * 1000;
  RETURN v_work;
END;
$$;
