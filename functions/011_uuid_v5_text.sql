-- analytics.uuid_v5 of a text name, by its UTF-8 bytes (what Go hashes for a
-- string), whatever the database encoding. Its own file because each file holds
-- one object; the bytea function it calls is functions/010_uuid_v5.sql.
CREATE OR REPLACE FUNCTION analytics.uuid_v5(p_name text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = analytics, pg_catalog, pg_temp
AS $$
  SELECT analytics.uuid_v5(convert_to(p_name, 'UTF8'))
$$;
