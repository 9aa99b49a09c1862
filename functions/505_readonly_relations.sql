-- The tables and views a read-only BI role may read (see analytics.grant_readonly):
-- the analytics tables, then the views of views/ made for BI tools.
CREATE OR REPLACE FUNCTION analytics.readonly_relations()
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ARRAY[
    'Conversation', 'ConversationEvent', 'VersionDailyStatistics', 'FlowDailyStatistics',
    'SuccessCriteria', 'MachineLearningModel', 'Environment',
    'DailyOverview', 'DailyAutomationRate', 'DailyEscalationRate', 'DailyCsat', 'DailyLatency',
    'LatencySamples', 'DailyFlows', 'TopFlows', 'DailyByChannel', 'DailyByVersion', 'Sessions'
  ]
$$;
