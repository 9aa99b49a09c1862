-- Least privilege (docs/operations.md, "Roles"; docs/decisions.md, "Roles"):
-- the roles grant-readonly and grant-loader granted in this database, so that
-- `analyticsdb migrate` keeps their grants current (analytics.refresh_role_grants);
-- no function of schema analytics executable by PUBLIC, now or when a later
-- migration creates one (the loader is granted the few it calls; the
-- maintenance functions run as the schema owner); and no temporary tables for
-- PUBLIC, which no role of the application needs.

-- migrate:up
CREATE TABLE analytics."RoleGrant" (
  "role"      name PRIMARY KEY,
  "kind"      text NOT NULL CHECK ("kind" IN ('loader', 'readonly', 'aggregates')),
  "grantedAt" timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE analytics."RoleGrant" IS
  'Internal: login roles grant-readonly (kind readonly or aggregates) and grant-loader granted in this database; migrate grants them again.';

-- Read-only roles granted before this table existed, in the tier they have.
INSERT INTO analytics."RoleGrant" ("role", "kind")
SELECT r.rolname, CASE WHEN has_table_privilege(r.oid, 'public."ConversationEvent"', 'SELECT') THEN 'readonly' ELSE 'aggregates' END
FROM pg_roles AS r
WHERE shobj_description(r.oid, 'pg_authid') = analytics.role_marker('readonly')
  AND has_table_privilege(r.oid, 'public."VersionDailyStatistics"', 'SELECT');

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA analytics FROM PUBLIC;
-- Default privileges cannot be taken away per schema, only for every
-- function the migrating role creates; it creates none outside analytics.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

DO $$
BEGIN
  IF pg_has_role((SELECT d.datdba FROM pg_database AS d WHERE d.datname = current_database()), 'USAGE') THEN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  ELSE
    RAISE WARNING 'temporary tables stay allowed to PUBLIC: only the owner of the database may revoke that (REVOKE TEMPORARY ON DATABASE % FROM PUBLIC)',
      quote_ident(current_database());
  END IF;
END
$$;

-- migrate:down
DO $$
BEGIN
  IF pg_has_role((SELECT d.datdba FROM pg_database AS d WHERE d.datname = current_database()), 'USAGE') THEN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
  END IF;
END
$$;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA analytics TO PUBLIC;
DROP TABLE analytics."RoleGrant";
