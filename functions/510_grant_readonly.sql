-- Let an existing role read what BI tools need, and nothing else: the analytics
-- tables and views of schema public (with p_aggregates_only, the statistics
-- and aggregate views only: no personal data). Not granted: KafkaOffset,
-- AssistantSettings, RejectedEvent (raw payloads) and anything in schema
-- analytics. The statements are analytics.readonly_grant_statements.
CREATE OR REPLACE FUNCTION analytics.grant_readonly(p_role name, p_aggregates_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  PERFORM analytics.execute_statements(ARRAY(SELECT analytics.readonly_grant_statements(p_role, p_aggregates_only)));
END;
$$;
