-- Citus cannot push a correlated LATERAL subquery down to the shards: a
-- join, which Citus runs on the workers against the dirty groups it ships.
-- replace:
    FROM grp AS g
    CROSS JOIN LATERAL (
      SELECT c."escalatedAt", c."csatRating", c."flowsStarted", c."latencySamplesMs"
      FROM "Conversation" AS c
      WHERE c."assistantName" = g."assistantName" AND c."statisticsDate" = g."date"
        AND c."channelName" = g."channelName" AND c."assistantVersion" = g."version"
      OFFSET 0
    ) AS c
-- with:
    FROM grp AS g
    JOIN "Conversation" AS c
      ON c."assistantName" = g."assistantName" AND c."statisticsDate" = g."date"
     AND c."channelName" = g."channelName" AND c."assistantVersion" = g."version"
-- end
