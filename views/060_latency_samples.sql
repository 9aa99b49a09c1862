-- LatencySamples: every latency sample, one row per answered user message, so
-- a BI tool can compute exact percentiles for any grouping and filter:
--   SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY "latencyMs")
--   FROM "LatencySamples" WHERE "date" >= '2024-11-01' AND "channelName" = 'slack';
--   date            the day the session counts on (its start, assistant timezone)
--   messageNumber   the user message's position among the session's answered messages
--   latencyMs       milliseconds until the first bot message at or after it
-- Read from Conversation (a few samples per session, never the events):
-- filter on "date" and "assistantName" to read only those days.
CREATE OR REPLACE VIEW public."LatencySamples" AS
SELECT c."statisticsDate" AS "date",
       c."assistantName",
       c."channelName",
       c."assistantVersion" AS "version",
       c."id" AS "conversationId",
       s."messageNumber",
       s."latencyMs"
FROM public."Conversation" AS c
CROSS JOIN LATERAL unnest(c."latencySamplesMs") WITH ORDINALITY AS s ("latencyMs", "messageNumber");

COMMENT ON VIEW public."LatencySamples" IS
  'One row per latency sample (user message to first bot reply, ms) with the day, assistant, channel and version of its session: compute exact percentiles for any grouping with percentile_cont(...) WITHIN GROUP (ORDER BY "latencyMs").';
