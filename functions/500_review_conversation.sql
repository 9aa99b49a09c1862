-- Set a conversation's review state (the reviewers' columns, which ingestion
-- never touches); lastReviewedAt becomes now. Returns false if there is no such
-- conversation.
CREATE OR REPLACE FUNCTION analytics.review_conversation(p_conversation_id uuid, p_state public."ReviewState")
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER  -- runs as the schema owner, so callers need no rights on its tables (docs/operations.md, "Roles")
SET search_path = analytics, public, pg_temp
AS $$
BEGIN
  UPDATE "Conversation"
  SET "reviewState" = p_state, "lastReviewedAt" = now()
  WHERE "id" = p_conversation_id;
  RETURN FOUND;
END;
$$;
