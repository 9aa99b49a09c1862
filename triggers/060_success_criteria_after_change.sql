-- A criteria change queues the assistant's statistics groups for a refresh.
CREATE OR REPLACE TRIGGER success_criteria_after_change
AFTER INSERT OR UPDATE OR DELETE ON public."SuccessCriteria"
FOR EACH ROW
EXECUTE FUNCTION analytics.on_success_criteria_change();
