#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume
# (docker-entrypoint-initdb.d), as the superuser POSTGRES_USER on POSTGRES_DB.
#
# The DBA's setup of docs/operations.md ("Roles"), and nothing else: no
# schema, table or function (the migrations own those).
#   - DB_USER (studio_backend): the schema owner `analyticsdb migrate` runs
#     as. LOGIN, and nothing more: no superuser, CREATEDB or CREATEROLE.
#   - it owns POSTGRES_DB (studio), so it may create the analytics schema and,
#     on PostgreSQL 15+, objects in the public schema (owned by
#     pg_database_owner), and the migrations may revoke TEMPORARY from PUBLIC.
#   - only the roles granted CONNECT may connect; nobody may create objects
#     in schema public but its owner, nor large objects.
# The loader's role (analytics_loader) and Grafana's (grafana) are made by the
# one-shot services loader-role and grafana-role, as the superuser, after the
# migrations, exactly as a DBA runs `analyticsdb grant-loader` and
# `grant-readonly`. So this stack exercises the same privileges as a managed
# PostgreSQL.
set -eu

: "${DB_USER:=studio_backend}"
: "${DB_PASSWORD:?set DB_PASSWORD for the ${DB_USER} role}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=app_role="$DB_USER" --set=app_password="$DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
SELECT current_database() AS app_database \gset
ALTER DATABASE :"app_database" OWNER TO :"app_role";
REVOKE CONNECT ON DATABASE :"app_database" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea) FROM PUBLIC;
SQL
