-- Keeps AssistantSettings."updatedAt" current.
CREATE OR REPLACE TRIGGER assistant_settings_touch
BEFORE UPDATE ON public."AssistantSettings"
FOR EACH ROW
EXECUTE FUNCTION analytics.touch_updated_at();
