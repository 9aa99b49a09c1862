-- Run the statements of a grant-readonly or grant-loader plan in order, with
-- the caller's rights; the lines that are comments ('-- ...': statements
-- this caller may not run, see analytics.loader_role_statements) are
-- returned instead, for the caller to pass on.
CREATE OR REPLACE FUNCTION analytics.execute_statements(p_statements text[])
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_statement text;
BEGIN
  FOREACH v_statement IN ARRAY p_statements LOOP
    IF v_statement LIKE '--%' THEN
      RETURN NEXT v_statement;
    ELSE
      EXECUTE v_statement;
    END IF;
  END LOOP;
END;
$$;
