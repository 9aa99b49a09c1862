-- The text of an identifier field (assistant_id, model_id, model_name,
-- input_channel, user_id): a non-empty JSON string, else NULL, i.e. absent.
-- A number, array or object is not an identifier (docs/decisions.md): ->>
-- would turn [1e131000] into 131,001 characters of text, too long for the
-- statistics' indexes.
CREATE OR REPLACE FUNCTION analytics.identifier(p_value jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN jsonb_typeof(p_value) = 'string' THEN nullif(p_value #>> '{}', '') END
$$;
