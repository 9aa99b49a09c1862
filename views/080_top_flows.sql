-- TopFlows: the flows of each assistant over its whole history, most started
-- first, one row per assistant and flow.
--   totalSessions, automatedCount, escalatedCount  summed over every day (see "DailyFlows")
--   automationRate, escalationRate                  those sums / totalSessions (0..1)
--   firstDate, lastDate, activeDays                 the days the flow was started on
--   rank                                            1 = the assistant's most started flow
-- For a date range, sum "DailyFlows" filtered on "date" instead.
CREATE OR REPLACE VIEW public."TopFlows" AS
SELECT f."assistantName",
       f."flowName",
       f."flowName" LIKE 'pattern\_%' AS "isPattern",
       sum(f."totalSessions") AS "totalSessions",
       sum(f."automatedCount") AS "automatedCount",
       sum(f."escalatedCount") AS "escalatedCount",
       sum(f."automatedCount")::double precision / nullif(sum(f."totalSessions"), 0) AS "automationRate",
       sum(f."escalatedCount")::double precision / nullif(sum(f."totalSessions"), 0) AS "escalationRate",
       min(f."date") AS "firstDate",
       max(f."date") AS "lastDate",
       count(*) AS "activeDays",
       rank() OVER (PARTITION BY f."assistantName" ORDER BY sum(f."totalSessions") DESC) AS "rank"
FROM public."FlowDailyStatistics" AS f
GROUP BY f."assistantName", f."flowName";

COMMENT ON VIEW public."TopFlows" IS
  'One row per assistant and flow over all days: sessions that started it, automated and escalated sessions, their rates (0..1), first and last day, activeDays and rank (1 = most started flow of the assistant). For a date range sum DailyFlows instead.';
