#!/bin/sh
# COPY into the partitioned ConversationEvent against COPY into its leaf, the
# same 5,000 rows (docs/performance.md, "Event partitions"). PostgreSQL's
# COPY falls back to one row at a time (copyfrom.c, CIM_SINGLE) when the
# table it names is partitioned and has a statement trigger with a transition
# table; into a leaf it keeps its batched inserts.
#
#   docs/perf/copy-into-leaf.sh [ROUNDS]     (default 6; needs analyticsdb on
#                                            PATH or $ANALYTICSDB, and initdb)
#
# It starts its own server in a temporary directory (fsync, synchronous_commit
# and full_page_writes off, as the bench), stores the first 100,000 events of a
# generated stream through the loader, and takes the next 5,000 rows as the
# batch. Each round COPYs that file, server side and inside BEGIN … ROLLBACK
# (the same rows every time; the leaves are vacuumed after each), into:
#   parent/shipped  public."ConversationEvent" (its trigger, the real merge)
#   leaf/shipped    the leaf that holds the batch (its own trigger, the same merge)
#   parent/noop     a copy of the table whose parent and leaf carry a no-op
#   leaf/noop       statement trigger with a transition table, parent and leaf
#   parent/none     the same copy without triggers (COPY routes, batched)
#   leaf/none       its leaf
# in an order that alternates between rounds, as the loader writes them
# (session_replication_role = replica, work_mem 64MB). Prints, per COPY, the
# backend's CPU time (the box may be shared) and the elapsed time, in ms.
set -eu
ROUNDS=${1:-6}
BIN=${ANALYTICSDB:-analyticsdb}
PGBIN=$(dirname "$(readlink -f "$(command -v initdb)")")
DIR=$(mktemp -d /tmp/copy-into-leaf.XXXXXX)
chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
AS=""
[ "$(id -u)" = 0 ] && AS="runuser -u postgres --"
PORT=${PORT:-54329}
$AS "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
$AS "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c autovacuum=off -c max_wal_size=4GB" start >/dev/null
[ -n "${KEEP:-}" ] || trap '$AS "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null; rm -rf "$DIR"' EXIT
URL="postgres://postgres@127.0.0.1:$PORT"
psql -q "$URL/postgres" -c 'CREATE DATABASE cim' -c 'CREATE DATABASE src'
for db in cim src; do
  DATABASE_URL="$URL/$db" "$BIN" migrate >/dev/null
  psql -qAt "$URL/$db" -c "SELECT analytics.ensure_event_partitions('2024-11-04', '2024-11-12')" >/dev/null
done
"$BIN" generate --events 120000 --seed 5 --start 2024-11-04 --duplicate-rate 0 --bad-rate 0 >"$DIR/stream.jsonl" 2>/dev/null
head -n 100000 "$DIR/stream.jsonl" >"$DIR/head.jsonl"
DATABASE_URL="$URL/cim" "$BIN" replay --progress-interval 0 "$DIR/head.jsonl" >/dev/null 2>&1
DATABASE_URL="$URL/src" "$BIN" replay --progress-interval 0 "$DIR/stream.jsonl" >/dev/null 2>&1
# the batch: the 5,000 events that follow the first 100,000 in stream order
psql -q "$URL/cim" -c "COPY (SELECT id FROM \"ConversationEvent\") TO '$DIR/stored.txt'"
LEAF=$(psql -qAt "$URL/src" -c "CREATE TEMP TABLE stored (id uuid PRIMARY KEY)" \
  -c "COPY stored FROM '$DIR/stored.txt'" \
  -c "CREATE TEMP TABLE batch AS SELECT e.* FROM \"ConversationEvent\" AS e
      WHERE NOT EXISTS (SELECT 1 FROM stored AS s WHERE s.id = e.id) ORDER BY e.\"sequenceNumber\" LIMIT 5000" \
  -c "COPY batch TO '$DIR/batch.bin' (FORMAT binary)" \
  -c "SELECT p.\"partition\" FROM analytics.event_partitions() AS p
      WHERE p.\"from\" <= (SELECT min(\"timestamp\") FROM batch) AND p.\"to\" > (SELECT max(\"timestamp\") FROM batch)")
[ -n "$LEAF" ] || { echo "the batch spans two leaves" >&2; exit 1; }
SPAN=$(psql -qAt "$URL/src" -c "SELECT format('FROM (%L) TO (%L)', \"from\", \"to\") FROM analytics.event_partitions() WHERE \"partition\" = '$LEAF'")
psql -q "$URL/cim" <<SQL
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NULL; END\$\$;
CREATE TABLE cim_noop (LIKE "ConversationEvent" INCLUDING DEFAULTS) PARTITION BY RANGE ("timestamp");
ALTER TABLE cim_noop ADD PRIMARY KEY ("id", "timestamp");
CREATE INDEX ON cim_noop ("conversationId", "sequenceNumber");
CREATE TABLE cim_noop_leaf PARTITION OF cim_noop FOR VALUES $SPAN;
CREATE TABLE cim_noop_default PARTITION OF cim_noop DEFAULT;
CREATE TABLE cim_none (LIKE cim_noop INCLUDING DEFAULTS) PARTITION BY RANGE ("timestamp");
ALTER TABLE cim_none ADD PRIMARY KEY ("id", "timestamp");
CREATE INDEX ON cim_none ("conversationId", "sequenceNumber");
CREATE TABLE cim_none_leaf PARTITION OF cim_none FOR VALUES $SPAN;
CREATE TABLE cim_none_default PARTITION OF cim_none DEFAULT;
INSERT INTO cim_noop SELECT * FROM "ConversationEvent";
INSERT INTO cim_none SELECT * FROM "ConversationEvent";
CREATE TRIGGER t AFTER INSERT ON cim_noop REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION noop();
CREATE TRIGGER t AFTER INSERT ON cim_noop_leaf REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION noop();
VACUUM ANALYZE;
SQL
copy() { # variant table: prints the variant, the backend's CPU ms (user +
  # system, log_statement_stats) and the elapsed ms of the COPY, triggers included
  printf 'BEGIN;\nSET LOCAL session_replication_role = replica;\nSET LOCAL work_mem = %s;\nSET LOCAL client_min_messages = log;\nSET LOCAL log_statement_stats = on;\nCOPY %s FROM %s (FORMAT binary);\nROLLBACK;\n' \
    "'64MB'" "$2" "'$DIR/batch.bin'" | psql -q "$URL/cim" 2>&1 |
    awk -v v="$1" '/s user, .* s system, .* s elapsed/ && !done { gsub(/!/, ""); printf "%s %.0f %.0f\n", v, ($1 + $4) * 1000, $7 * 1000; done = 1 }'
}
echo "batch: 5000 rows into $LEAF, $(psql -qAt "$URL/cim" -c "SELECT count(*) FROM public.\"$LEAF\"") rows already there; per COPY: CPU ms, elapsed ms"
r=1
while [ "$r" -le "$ROUNDS" ]; do
  set -- "parent/shipped public.\"ConversationEvent\"" "leaf/shipped public.\"$LEAF\"" \
         "parent/noop cim_noop" "leaf/noop cim_noop_leaf" "parent/none cim_none" "leaf/none cim_none_leaf"
  [ $((r % 2)) = 0 ] && set -- "$6" "$5" "$4" "$3" "$2" "$1"
  for v in "$@"; do
    echo "round $r $(copy ${v%% *} "${v#* }")"
    # the rolled-back rows leave dead index entries with the same keys: gone
    # before the next COPY into the same leaf
    psql -q "$URL/cim" -c "VACUUM public.\"$LEAF\", cim_noop_leaf, cim_none_leaf"
  done
  r=$((r + 1))
done
