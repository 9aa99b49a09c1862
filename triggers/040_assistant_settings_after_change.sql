-- A settings change queues the assistant's conversations for a rebuild.
CREATE OR REPLACE TRIGGER assistant_settings_after_change
AFTER INSERT OR UPDATE OR DELETE ON public."AssistantSettings"
FOR EACH ROW
EXECUTE FUNCTION analytics.on_assistant_settings_change();
