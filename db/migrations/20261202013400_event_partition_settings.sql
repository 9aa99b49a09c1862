-- migrate:up
-- How ConversationEvent is partitioned and how long its raw events are kept
-- (docs/operations.md, "Event partitions and retention"). One row.
CREATE TABLE analytics."EventPartitionSettings" (
  "id"             smallint PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
  "interval"       text NOT NULL DEFAULT 'week' CHECK ("interval" IN ('day', 'week', 'month')),
  "intervalsAhead" integer NOT NULL DEFAULT 2 CHECK ("intervalsAhead" BETWEEN 1 AND 100),
  "keepEvents"     interval CHECK ("keepEvents" >= interval '1 day'),
  "updatedAt"      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."EventPartitionSettings" IS 'One leaf of ConversationEvent per interval (UTC day, ISO week or month), made intervalsAhead intervals ahead; with keepEvents set, the loaders'' maintenance drops leaves older than that.';
INSERT INTO analytics."EventPartitionSettings" ("id") VALUES (1);

-- What retention dropped: the raw events of these ranges are gone, and the
-- sessions that started before the last "to" cannot be rebuilt.
CREATE TABLE analytics."DroppedEventRange" (
  "partition" text NOT NULL,
  "from"      timestamptz NOT NULL,
  "to"        timestamptz NOT NULL,
  "events"    bigint NOT NULL,
  "droppedAt" timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."DroppedEventRange" IS 'Leaves of ConversationEvent dropped by retention (analytics.drop_event_partitions), with the events they held.';

-- migrate:down
DROP TABLE analytics."DroppedEventRange", analytics."EventPartitionSettings";
