-- Let an existing role read what BI tools need, and nothing else: the analytics
-- tables and views of schema public (with p_aggregates_only, the statistics
-- and aggregate views only: no personal data). Not granted: KafkaOffset,
-- AssistantSettings, RejectedEvent (raw payloads) and anything in schema analytics.
CREATE OR REPLACE FUNCTION analytics.grant_readonly(p_role name, p_aggregates_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
DECLARE
  v_relation text;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', p_role);
  FOREACH v_relation IN ARRAY analytics.readonly_relations(p_aggregates_only) LOOP
    EXECUTE format('GRANT SELECT ON public.%I TO %I', v_relation, p_role);
  END LOOP;
END;
$$;
