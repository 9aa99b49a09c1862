-- The tables and views a read-only BI role may read (see analytics.grant_readonly).
CREATE OR REPLACE FUNCTION analytics.readonly_relations()
RETURNS text[]
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ARRAY[
    'Conversation', 'ConversationEvent', 'VersionDailyStatistics', 'FlowDailyStatistics',
    'SuccessCriteria', 'MachineLearningModel', 'Environment'
  ]
$$;
