-- The effective settings of one assistant: its own "AssistantSettings" row where a
-- column is set, else the defaults row '*'. CSAT values are compared in lower case.
CREATE OR REPLACE FUNCTION analytics.assistant_settings(p_assistant_name text)
RETURNS TABLE (
  "escalationFlows"       text[],
  "escalationActions"     text[],
  "csatFlow"              text,
  "csatSlot"              text,
  "csatSatisfiedValues"   text[],
  "csatUnsatisfiedValues" text[],
  "timezone"              text
)
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(a."escalationFlows", d."escalationFlows"),
         coalesce(a."escalationActions", d."escalationActions"),
         coalesce(a."csatFlow", d."csatFlow"),
         coalesce(a."csatSlot", d."csatSlot"),
         (SELECT array_agg(lower(v)) FROM unnest(coalesce(a."csatSatisfiedValues", d."csatSatisfiedValues")) AS v),
         (SELECT array_agg(lower(v)) FROM unnest(coalesce(a."csatUnsatisfiedValues", d."csatUnsatisfiedValues")) AS v),
         coalesce(a."timezone", d."timezone")
  FROM public."AssistantSettings" AS d
  LEFT JOIN public."AssistantSettings" AS a
    ON a."assistantName" = p_assistant_name AND a."assistantName" <> '*'
  WHERE d."assistantName" = '*'
$$;
