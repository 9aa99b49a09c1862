-- Row-level AFTER trigger function on AssistantSettings: a changed setting
-- changes what sessions mean, so the assistant's conversations are rebuilt by
-- the next refresh ('*' changes the defaults of every assistant).
CREATE OR REPLACE FUNCTION analytics.on_assistant_settings_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO "DirtyAssistant" ("assistantName") VALUES (OLD."assistantName");
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "DirtyAssistant" ("assistantName") VALUES (NEW."assistantName");
  END IF;
  RETURN NULL;
END;
$$;
