-- The tables and views a read-only BI role may read (see analytics.grant_readonly):
-- the analytics tables, then the views of views/ made for BI tools. With
-- p_aggregates_only, the daily statistics and the views that aggregate
-- sessions only: nothing that holds a sender, a user, a text or a
-- conversation (docs/bi-tools.md, "A tier without personal data").
CREATE OR REPLACE FUNCTION analytics.readonly_relations(p_aggregates_only boolean DEFAULT false)
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN p_aggregates_only THEN ARRAY[
    'VersionDailyStatistics', 'FlowDailyStatistics', 'SuccessCriteria', 'MachineLearningModel', 'Environment',
    'DailyOverview', 'DailyAutomationRate', 'DailyEscalationRate', 'DailyCsat', 'DailyLatency',
    'DailyFlows', 'TopFlows', 'DailyByChannel', 'DailyByVersion'
  ] ELSE ARRAY[
    'Conversation', 'ConversationEvent', 'VersionDailyStatistics', 'FlowDailyStatistics',
    'SuccessCriteria', 'MachineLearningModel', 'Environment',
    'DailyOverview', 'DailyAutomationRate', 'DailyEscalationRate', 'DailyCsat', 'DailyLatency',
    'LatencySamples', 'DailyFlows', 'TopFlows', 'DailyByChannel', 'DailyByVersion', 'Sessions'
  ] END
$$;
