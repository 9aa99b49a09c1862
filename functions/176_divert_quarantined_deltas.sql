-- Move the queued deltas of quarantined statistics groups out of the queues,
-- to wait with their group in analytics."QuarantinedDelta".
CREATE OR REPLACE FUNCTION analytics.divert_quarantined_deltas()
RETURNS void
LANGUAGE plpgsql
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  WITH moved AS (
    DELETE FROM "VersionStatisticsDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version")
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'VersionStatisticsDelta', m."delta" FROM moved AS m;

  WITH moved AS (
    DELETE FROM "LatencySampleDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('version', d."assistantName", d."date", d."channelName", d."version")
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'LatencySampleDelta', m."delta" FROM moved AS m;

  WITH moved AS (
    DELETE FROM "FlowStatisticsDelta" AS d
    USING "QuarantinedStatisticsGroup" AS q
    WHERE q."groupKey" = analytics.statistics_group_key('flow', d."assistantName", d."date", d."flowName", NULL)
    RETURNING q."groupKey", to_jsonb(d) AS "delta"
  )
  INSERT INTO "QuarantinedDelta" ("groupKey", "queue", "delta")
  SELECT m."groupKey", 'FlowStatisticsDelta', m."delta" FROM moved AS m;
END;
$$;
