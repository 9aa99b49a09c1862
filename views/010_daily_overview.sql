-- DailyOverview: how each assistant did each day, one row per day and assistant.
-- A session counts on the day it started, in the assistant's timezone, with
-- everything that happened in it (even when it went on past midnight).
--   totalSessions      sessions started that day (also those where the user said nothing)
--   automatedCount     sessions the assistant handled without handing over to a human
--   escalatedCount     sessions handed over to a human (handoff flow or handoff action)
--   automationRate     automatedCount / totalSessions (0..1); escalationRate = 1 - automationRate
--   csatScore          satisfied / (satisfied + unsatisfied) among sessions that gave a rating
--   csatAnsweredShare  sessions that gave a rating / sessions asked for one
--   customSuccessRate  sessions meeting the assistant's SuccessCriteria / totalSessions
--                      (NULL without criteria)
-- Sums VersionDailyStatistics over channels and versions: cheap on any history.
-- Latency percentiles cannot be summed that way; see "DailyLatency".
CREATE OR REPLACE VIEW public."DailyOverview" AS
SELECT v."date",
       v."assistantName",
       sum(v."totalSessions") AS "totalSessions",
       sum(v."automatedCount") AS "automatedCount",
       sum(v."escalatedCount") AS "escalatedCount",
       sum(v."automatedCount")::double precision / nullif(sum(v."totalSessions"), 0) AS "automationRate",
       sum(v."escalatedCount")::double precision / nullif(sum(v."totalSessions"), 0) AS "escalationRate",
       sum(v."csatSatisfied") AS "csatSatisfied",
       sum(v."csatUnsatisfied") AS "csatUnsatisfied",
       sum(v."csatUnanswered") AS "csatUnanswered",
       sum(v."csatSatisfied")::double precision
         / nullif(sum(v."csatSatisfied") + sum(v."csatUnsatisfied"), 0) AS "csatScore",
       (sum(v."csatSatisfied") + sum(v."csatUnsatisfied"))::double precision
         / nullif(sum(v."csatSatisfied") + sum(v."csatUnsatisfied") + sum(v."csatUnanswered"), 0) AS "csatAnsweredShare",
       sum(v."customSuccessCount") AS "customSuccessCount",
       sum(v."customFailureCount") AS "customFailureCount",
       sum(v."customSuccessCount")::double precision
         / nullif(sum(v."totalSessions") FILTER (WHERE v."customSuccessCount" IS NOT NULL), 0) AS "customSuccessRate",
       max(v."updatedAt") AS "updatedAt"
FROM public."VersionDailyStatistics" AS v
GROUP BY v."date", v."assistantName";

COMMENT ON VIEW public."DailyOverview" IS
  'One row per day and assistant: sessions started that day (assistant timezone), automated and escalated sessions and their rates (0..1), CSAT counts, csatScore = satisfied/(satisfied+unsatisfied), csatAnsweredShare = rated/asked, custom success. Sums of VersionDailyStatistics; latency is in DailyLatency.';
