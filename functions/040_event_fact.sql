-- What the aggregation needs of one event, read from the stored row. Both the
-- insert trigger and a rebuild go through this one function, so they cannot
-- disagree about what an event means.
CREATE OR REPLACE FUNCTION analytics.event_fact(e public."ConversationEvent")
RETURNS analytics."EventFact"
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  SELECT ROW(
    e."conversationId",
    e."sequenceNumber",
    e."timestamp",
    e."type",
    e."senderId",
    nullif(e."metadata" ->> 'assistant_id', ''),
    coalesce(nullif(e."metadata" ->> 'model_name', ''), nullif(e."metadata" ->> 'model_id', '')),
    e."modelId",
    nullif(e."metadata" ->> 'model_id', ''),
    nullif(e."metadata" ->> 'model_name', ''),
    CASE WHEN e."type" = 'USER' THEN nullif(e."rawData" ->> 'input_channel', '') END,
    nullif(e."rawData" ->> 'user_id', ''),
    e."environmentId",
    analytics.is_user_message(e."type", e."rawData", e."metadata"),
    e."name",
    e."flowId",
    e."slotValue"
  )::analytics."EventFact"
$$;
