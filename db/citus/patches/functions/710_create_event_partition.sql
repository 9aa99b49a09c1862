-- On Citus the new leaf is distributed like its parent before the rows of
-- the default leaf move into it (Citus moves rows between colocated shards,
-- not into a table of the coordinator), its key carries the distribution
-- column, and its insert trigger is one Citus creates on the shards.
-- replace:
  EXECUTE format('CREATE TABLE public.%I (LIKE public."ConversationEvent" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
  EXECUTE format('WITH moved AS (DELETE FROM public."ConversationEvent_default" AS d
                                 WHERE d."timestamp" >= $1 AND d."timestamp" < $2 RETURNING d.*)
                  INSERT INTO public.%I SELECT * FROM moved', v_name)
    USING v_from, v_to;
  EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I PRIMARY KEY ("id", "timestamp")', v_name, v_name || '_pkey');
-- with:
  PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
  EXECUTE format('CREATE TABLE public.%I (LIKE public."ConversationEvent" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)', v_name);
  PERFORM create_distributed_table(format('public.%I', v_name), 'conversationId', colocate_with => 'public."Conversation"');
  EXECUTE format('INSERT INTO public.%I SELECT * FROM public."ConversationEvent_default" AS d
                  WHERE d."timestamp" >= $1 AND d."timestamp" < $2', v_name)
    USING v_from, v_to;
  DELETE FROM public."ConversationEvent_default" AS d WHERE d."timestamp" >= v_from AND d."timestamp" < v_to;
  EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I PRIMARY KEY ("conversationId", "id", "timestamp")', v_name, v_name || '_pkey');
-- end
