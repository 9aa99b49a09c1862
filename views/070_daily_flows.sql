-- DailyFlows: what users came for, one row per day, assistant and flow (every
-- flow started in some session of that day, Rasa patterns included).
--   totalSessions     sessions that started the flow (a flow started twice counts once)
--   automatedCount    of them, sessions that completed it without a handoff while it ran
--   escalatedCount    of them, sessions handed to a human while the flow was active
--   automationRate, escalationRate  those counts / totalSessions (0..1)
--   shareOfSessions   totalSessions / all sessions of the assistant that day
--   isPattern         a built-in Rasa pattern (pattern_*) rather than a business flow
-- For the top flows of a date range, filter on "date" and sum the counts per
-- flow ("TopFlows" holds the totals over all days).
CREATE OR REPLACE VIEW public."DailyFlows" AS
SELECT f."date",
       f."assistantName",
       f."flowName",
       f."flowName" LIKE 'pattern\_%' AS "isPattern",
       f."totalSessions",
       f."automatedCount",
       f."escalatedCount",
       f."automatedCount"::double precision / nullif(f."totalSessions", 0) AS "automationRate",
       f."escalatedCount"::double precision / nullif(f."totalSessions", 0) AS "escalationRate",
       f."totalSessions"::double precision / nullif((
         SELECT sum(v."totalSessions")
         FROM public."VersionDailyStatistics" AS v
         WHERE v."date" = f."date" AND v."assistantName" = f."assistantName"), 0) AS "shareOfSessions"
FROM public."FlowDailyStatistics" AS f;

COMMENT ON VIEW public."DailyFlows" IS
  'One row per day, assistant and flow started that day: sessions that started it, of them automated (completed it, no handoff while it ran) and escalated (handed to a human while it was active), the rates (0..1), shareOfSessions = flow sessions / all sessions of the day, isPattern for Rasa pattern_* flows. Sum the counts over a date range for top flows.';
