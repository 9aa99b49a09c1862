-- Citus cannot push a correlated LATERAL subquery down to the shards: a
-- join, which Citus runs on the workers against the dirty days it ships.
-- replace:
    FROM (SELECT DISTINCT g."assistantName", g."date" FROM grp AS g) AS day
    CROSS JOIN LATERAL (
      SELECT c.* FROM "Conversation" AS c
      WHERE c."assistantName" = day."assistantName" AND c."statisticsDate" = day."date"
      OFFSET 0
    ) AS c
-- with:
    FROM (SELECT DISTINCT g."assistantName", g."date" FROM grp AS g) AS day
    JOIN "Conversation" AS c
      ON c."assistantName" = day."assistantName" AND c."statisticsDate" = day."date"
-- end
