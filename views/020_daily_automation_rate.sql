-- DailyAutomationRate: the share of sessions the assistant handled on its own,
-- one row per day, assistant, channel and model version (the finest grain).
--   totalSessions   sessions started that day (assistant timezone)
--   automatedCount  of them, sessions never handed over to a human
--   automationRate  automatedCount / totalSessions (0..1)
-- To roll up (per day, per assistant, over a month), sum automatedCount and
-- totalSessions and divide; never average automationRate.
CREATE OR REPLACE VIEW public."DailyAutomationRate" AS
SELECT v."date",
       v."assistantName",
       v."channelName",
       v."version",
       v."totalSessions",
       v."automatedCount",
       v."automatedCount"::double precision / nullif(v."totalSessions", 0) AS "automationRate"
FROM public."VersionDailyStatistics" AS v;

COMMENT ON VIEW public."DailyAutomationRate" IS
  'One row per day, assistant, channel and version: sessions, automated sessions (not handed to a human) and automationRate = automated/total (0..1). Roll up by summing the counts, never by averaging the rate.';
