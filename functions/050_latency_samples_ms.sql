-- Latency samples of one session (SPEC section 4): for each user message, the
-- milliseconds until the first bot message at or after it; a message with no
-- later bot message gives none. Sorted by the user message's time.
-- One sort of both lists: walking them newest first, the running minimum of bot
-- times is "the first bot message at or after" each user message.
CREATE OR REPLACE FUNCTION analytics.latency_samples_ms(p_user_at timestamptz[], p_bot_at timestamptz[])
RETURNS double precision[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(s.ms::double precision ORDER BY s.at), '{}')
  FROM (
    SELECT m.at, m.is_bot,
           extract(epoch FROM (min(m.at) FILTER (WHERE m.is_bot) OVER newest_first) - m.at) * 1000 AS ms
    FROM (
      SELECT u AS at, false AS is_bot FROM unnest(p_user_at) AS u
      UNION ALL
      SELECT b, true FROM unnest(p_bot_at) AS b
    ) AS m
    WINDOW newest_first AS (ORDER BY m.at DESC, m.is_bot DESC ROWS UNBOUNDED PRECEDING)
  ) AS s
  WHERE NOT s.is_bot AND s.ms IS NOT NULL
$$;
