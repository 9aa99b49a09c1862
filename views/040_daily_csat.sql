-- DailyCsat: what users answered to the satisfaction question, one row per
-- day, assistant, channel and model version. A session's rating is its last
-- CSAT signal: the CSAT flow started (asked, no answer yet), then the CSAT slot
-- set to a satisfied or unsatisfied value.
--   csatSatisfied / csatUnsatisfied  sessions whose rating was positive / negative
--   csatUnanswered     sessions asked (or answering something unrecognised) without a rating
--   csatAsked          sessions with any CSAT signal: the three counts above summed
--   csatScore          csatSatisfied / (csatSatisfied + csatUnsatisfied): NULL without ratings
--   csatAnsweredShare  (csatSatisfied + csatUnsatisfied) / csatAsked
--   csatAskedShare     csatAsked / totalSessions
-- Roll up by summing the counts; never average the shares.
CREATE OR REPLACE VIEW public."DailyCsat" AS
SELECT v."date",
       v."assistantName",
       v."channelName",
       v."version",
       v."totalSessions",
       v."csatSatisfied",
       v."csatUnsatisfied",
       v."csatUnanswered",
       v."csatSatisfied" + v."csatUnsatisfied" + v."csatUnanswered" AS "csatAsked",
       v."csatSatisfied"::double precision / nullif(v."csatSatisfied" + v."csatUnsatisfied", 0) AS "csatScore",
       (v."csatSatisfied" + v."csatUnsatisfied")::double precision
         / nullif(v."csatSatisfied" + v."csatUnsatisfied" + v."csatUnanswered", 0) AS "csatAnsweredShare",
       (v."csatSatisfied" + v."csatUnsatisfied" + v."csatUnanswered")::double precision
         / nullif(v."totalSessions", 0) AS "csatAskedShare"
FROM public."VersionDailyStatistics" AS v;

COMMENT ON VIEW public."DailyCsat" IS
  'One row per day, assistant, channel and version: CSAT ratings (satisfied, unsatisfied, unanswered), csatAsked = their sum, csatScore = satisfied/(satisfied+unsatisfied), csatAnsweredShare = rated/asked, csatAskedShare = asked/sessions. Roll up by summing the counts.';
