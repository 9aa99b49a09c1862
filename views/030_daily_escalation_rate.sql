-- DailyEscalationRate: the share of sessions handed over to a human, one row
-- per day, assistant, channel and model version (the finest grain).
--   totalSessions   sessions started that day (assistant timezone)
--   escalatedCount  of them, sessions that started the handoff flow or ran a
--                   handoff action (assistant settings; PAUSE does not count)
--   escalationRate  escalatedCount / totalSessions (0..1) = 1 - automationRate
-- To roll up, sum escalatedCount and totalSessions and divide; never average
-- escalationRate.
CREATE OR REPLACE VIEW public."DailyEscalationRate" AS
SELECT v."date",
       v."assistantName",
       v."channelName",
       v."version",
       v."totalSessions",
       v."escalatedCount",
       v."escalatedCount"::double precision / nullif(v."totalSessions", 0) AS "escalationRate"
FROM public."VersionDailyStatistics" AS v;

COMMENT ON VIEW public."DailyEscalationRate" IS
  'One row per day, assistant, channel and version: sessions, escalated sessions (handed to a human) and escalationRate = escalated/total (0..1). Roll up by summing the counts, never by averaging the rate.';
