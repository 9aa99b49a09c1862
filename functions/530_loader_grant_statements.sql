-- The grants of the loader's role: what `analyticsdb run`, `replay`,
-- `replay-rejected`, `status`, `refresh`, `recompute` and `review` need, and
-- nothing else (docs/operations.md, "Roles"). It writes the events, its
-- offsets, rejected messages and sender sessions itself; everything derived
-- (conversations, statistics, their queues) is written by the insert
-- trigger and the maintenance functions, which run as the schema owner
-- (SECURITY DEFINER). Not granted: DELETE, TRUNCATE, UPDATE of events,
-- anything on the statistics, settings or success criteria, erase_sender, and
-- CREATE anywhere. Taken back first: whatever the role held before
-- (analytics.revoke_role_statements). Recorded in analytics."RoleGrant", so
-- `analyticsdb migrate` grants what a new version needs.
CREATE OR REPLACE FUNCTION analytics.loader_grant_statements(p_role name)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_role constant text := quote_ident(p_role);
BEGIN
  RETURN QUERY SELECT analytics.revoke_role_statements(p_role);
  RETURN NEXT format('GRANT CONNECT ON DATABASE %I TO %s', current_database(), v_role);
  RETURN NEXT 'GRANT USAGE ON SCHEMA public, analytics TO ' || v_role;
  -- COPY of the events; which of a batch are stored already (a retry)
  RETURN NEXT 'GRANT SELECT, INSERT ON TABLE public."ConversationEvent" TO ' || v_role;
  -- the loader COPYs into the leaves directly (analytics.create_event_partition
  -- grants the same on the leaves it makes later)
  RETURN QUERY SELECT format('GRANT SELECT, INSERT ON TABLE public.%I TO %s', p."partition", v_role)
               FROM analytics.event_partitions() AS p;
  -- offsets, rejected messages (replay-rejected marks them), sender sessions
  RETURN NEXT 'GRANT SELECT, INSERT, UPDATE ON TABLE public."KafkaOffset", public."RejectedEvent", analytics."SenderSession" TO ' || v_role;
  RETURN NEXT 'GRANT INSERT ON TABLE public."Environment" TO ' || v_role;
  -- replay-rejected re-derives senders' sessions; status and the refresher count the queues
  RETURN NEXT 'GRANT SELECT ON TABLE public."Conversation", analytics."RefreshLog", analytics."QuarantinedStatisticsGroup", '
              'analytics."DirtyVersionStatistics", analytics."DirtyFlowStatistics", '
              'analytics."VersionStatisticsDelta", analytics."FlowStatisticsDelta" TO ' || v_role;
  RETURN NEXT 'GRANT USAGE ON SEQUENCE analytics.stream_block TO ' || v_role;
  RETURN NEXT 'GRANT SELECT, USAGE ON SEQUENCE analytics.sender_session_epoch TO ' || v_role;
  RETURN NEXT 'GRANT EXECUTE ON FUNCTION analytics.move_events(uuid[], uuid[]), '
              'analytics.rebuild_moved_sessions(uuid[], uuid[], uuid[]), analytics.refresh_statistics(boolean), '
              'analytics.recompute_conversations(date, date, uuid, integer), analytics.recompute_statistics(date, date), '
              'analytics.recompute(date, date), analytics.recompute_from(date, date), analytics.release_quarantined_group(text), '
              'analytics.review_conversation(uuid, public."ReviewState"), '
              'analytics.event_partitions(), analytics.maintain_event_partitions() TO ' || v_role;
  RETURN NEXT format('INSERT INTO analytics."RoleGrant" ("role", "kind") VALUES (%L, %L) '
                     'ON CONFLICT ("role") DO UPDATE SET "kind" = excluded."kind", "grantedAt" = now()', p_role, 'loader');
END;
$$;
