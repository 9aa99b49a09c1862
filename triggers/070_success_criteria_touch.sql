-- Keeps SuccessCriteria."updatedAt" current.
CREATE OR REPLACE TRIGGER success_criteria_touch
BEFORE UPDATE ON public."SuccessCriteria"
FOR EACH ROW
EXECUTE FUNCTION analytics.touch_updated_at();
