#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume
# (docker-entrypoint-initdb.d), as the superuser POSTGRES_USER on POSTGRES_DB.
#
# It creates the application role the loader and migrations log in as, and
# nothing else: no schema, table or function (the migrations own those).
#   - DB_USER (studio_backend): LOGIN, no superuser. CREATEROLE so that
#     `analyticsdb grant-readonly` can create the BI tools' read-only roles.
#   - it owns POSTGRES_DB (studio), so it may create the analytics schema and,
#     on PostgreSQL 15+, the public schema (owned by pg_database_owner).
#   - GRANT SET ON PARAMETER session_replication_role (PostgreSQL 15+): the
#     loader then skips the per-row foreign key checks on COPY, as in
#     production (docs/decisions.md, "Foreign keys"; docs/operations.md).
# The role is deliberately not a superuser, so this stack exercises the same
# privileges as a managed PostgreSQL where the DBA runs these three statements.
set -eu

: "${DB_USER:=studio_backend}"
: "${DB_PASSWORD:?set DB_PASSWORD for the ${DB_USER} role}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=app_role="$DB_USER" --set=app_password="$DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" WITH LOGIN CREATEROLE PASSWORD :'app_password';
SELECT current_database() AS app_database \gset
ALTER DATABASE :"app_database" OWNER TO :"app_role";
GRANT SET ON PARAMETER session_replication_role TO :"app_role";
SQL
