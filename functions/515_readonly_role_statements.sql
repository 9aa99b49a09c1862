-- Everything `analyticsdb grant-readonly` runs, or prints with --print: the
-- login role (analytics.login_role_statements), locked down further (every
-- transaction read-only by default; queries cut off after 5 minutes, idle
-- transactions after 10), and its grants (analytics.readonly_grant_statements).
CREATE OR REPLACE FUNCTION analytics.readonly_role_statements(p_role name, p_password text, p_aggregates_only boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY SELECT analytics.login_role_statements(p_role, p_password, 'readonly',
    ARRAY['default_transaction_read_only=on', 'statement_timeout=5min', 'idle_in_transaction_session_timeout=10min']);
  RETURN QUERY SELECT analytics.readonly_grant_statements(p_role, p_aggregates_only);
END;
$$;
