-- DailyByVersion: each model version's day, one row per day, assistant and
-- version (metadata.model_name of the session, else model_id, else "unknown"):
-- compare a new model with the previous one during a rollout. The same measures
-- as "DailyOverview", summed over channels. Latency percentiles cannot be
-- summed: compute them from "LatencySamples" filtered on "version".
CREATE OR REPLACE VIEW public."DailyByVersion" AS
SELECT v."date",
       v."assistantName",
       v."version",
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
       sum(v."customSuccessCount") AS "customSuccessCount",
       sum(v."customSuccessCount")::double precision
         / nullif(sum(v."totalSessions") FILTER (WHERE v."customSuccessCount" IS NOT NULL), 0) AS "customSuccessRate"
FROM public."VersionDailyStatistics" AS v
GROUP BY v."date", v."assistantName", v."version";

COMMENT ON VIEW public."DailyByVersion" IS
  'One row per day, assistant and model version: sessions, automated and escalated sessions and rates (0..1), CSAT counts and csatScore, custom success. Sums of VersionDailyStatistics over channels; roll up by summing counts.';
