-- On Citus the sessions the events leave are read before they move, into a
-- variable: the move is a delete and an insert (analytics.move_events).
-- replace:
    JOIN "ConversationEvent" AS e ON e."id" = m."id" AND e."conversationId" <> m."to",
    LATERAL (VALUES (e."conversationId"), (m."to")) AS v(c)
-- with:
    JOIN "ConversationEvent" AS e ON e."id" = m."id" AND e."conversationId" <> m."to",
    unnest(ARRAY[e."conversationId", m."to"]) AS v(c)
-- end
