-- A rebuild re-inserts a conversation's stored events into EventReplay, and
-- this runs on them exactly what ingestion runs (see rebuild_conversations).
CREATE OR REPLACE TRIGGER event_replay_after_insert
AFTER INSERT ON analytics."EventReplay"
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT
EXECUTE FUNCTION analytics.apply_inserted_events();

ALTER TABLE analytics."EventReplay" ENABLE ALWAYS TRIGGER event_replay_after_insert;
