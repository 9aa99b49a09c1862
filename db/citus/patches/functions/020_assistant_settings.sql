-- The merge calls this on the workers, where the settings are the reference
-- table analytics."AssistantSettingsMirror" (db/citus/mirrors.sql); Citus
-- plans no parameterized SQL function over a Citus table: PL/pgSQL.
-- replace:
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(a."escalationFlows", d."escalationFlows"),
-- with:
LANGUAGE plpgsql
STABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN QUERY
  SELECT coalesce(a."escalationFlows", d."escalationFlows"),
-- end
-- replace:
  FROM public."AssistantSettings" AS d
  LEFT JOIN public."AssistantSettings" AS a
-- with:
  FROM analytics."AssistantSettingsMirror" AS d
  LEFT JOIN analytics."AssistantSettingsMirror" AS a
-- end
-- replace:
  WHERE d."assistantName" = '*'
$$;
-- with:
  WHERE d."assistantName" = '*';
END;
$$;
-- end
