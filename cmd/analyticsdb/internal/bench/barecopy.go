package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// bareRows are the rows a full run stored, in binary COPY format, cut into
// payloads of the loader's batch size.
type bareRows struct {
	payloads [][]byte
	count    int
}

// dumpRows reads the rows a full run stored (in rowsURL), in the order they
// were stored, and cuts them into batches. Everything is built before any
// clock starts: only PostgreSQL's work is timed.
func dumpRows(ctx context.Context, rowsURL string, batchSize int) (bareRows, error) {
	var dump bytes.Buffer
	src, err := pgx.Connect(ctx, rowsURL)
	if err != nil {
		return bareRows{}, err
	}
	_, err = src.PgConn().CopyTo(ctx, &dump, `COPY (SELECT * FROM "ConversationEvent" ORDER BY "sequenceNumber") TO STDOUT (FORMAT binary)`)
	src.Close(ctx)
	if err != nil {
		return bareRows{}, err
	}
	header, tuples, err := splitBinaryCopy(dump.Bytes())
	if err != nil {
		return bareRows{}, err
	}
	trailer := []byte{0xff, 0xff}
	rows := bareRows{count: len(tuples)}
	for i := 0; i < len(tuples); i += batchSize {
		payload := append([]byte(nil), header...)
		for _, t := range tuples[i:min(i+batchSize, len(tuples))] {
			payload = append(payload, t...)
		}
		rows.payloads = append(rows.payloads, append(payload, trailer...))
	}
	return rows, nil
}

// createBareTable creates bench_bare, a copy of ConversationEvent with the
// same columns, keys, indexes and leaves and no triggers or foreign keys, in
// the database at dbURL. Without a trigger, a COPY into the partitioned
// table keeps COPY's batched inserts (one buffer per leaf): the physical
// limit of the loader's COPYs into leaves. With citus it is distributed like
// the events, its primary key led by the distribution column as Citus needs.
func createBareTable(ctx context.Context, dbURL string, citus bool) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	key := `ALTER TABLE bench_bare ADD PRIMARY KEY ("id", "timestamp")`
	if citus {
		key = `ALTER TABLE bench_bare ADD PRIMARY KEY ("conversationId", "id", "timestamp")`
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE bench_bare (LIKE "ConversationEvent" INCLUDING DEFAULTS) PARTITION BY RANGE ("timestamp")`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, key); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `
		CREATE INDEX ON bench_bare ("conversationId", "sequenceNumber");
		CREATE TABLE bench_bare_default PARTITION OF bench_bare DEFAULT;
		DO $$
		DECLARE
		  p record;
		BEGIN
		  FOR p IN SELECT * FROM analytics.event_partitions() LOOP
		    EXECUTE format('CREATE TABLE %I PARTITION OF bench_bare FOR VALUES FROM (%L) TO (%L)',
		                   'bench_bare_' || p."partition", p."from", p."to");
		  END LOOP;
		END $$`)
	if err == nil && citus {
		_, err = conn.Exec(ctx, `SELECT create_distributed_table('bench_bare', 'conversationId')`)
	}
	return err
}

// lastSequenceNumber is the highest "sequenceNumber" stored at dbURL.
func lastSequenceNumber(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var last int64
	err = conn.QueryRow(ctx, `SELECT coalesce(max("sequenceNumber"), 0) FROM "ConversationEvent"`).Scan(&last)
	return last, err
}

// fillBareTable creates bench_bare next to ConversationEvent at dbURL and
// copies into it the events stored up to sequence number last, in the order
// they were stored, so that its indexes grow as the real ones did (random
// primary key inserts, not a sorted build).
func fillBareTable(ctx context.Context, dbURL string, last int64, citus bool) error {
	if err := createBareTable(ctx, dbURL, citus); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO bench_bare SELECT * FROM "ConversationEvent" WHERE "sequenceNumber" <= $1 ORDER BY "sequenceNumber"`, last)
	return err
}

// bareCopy COPYs rows into bench_bare at dbURL, a batch per transaction, after
// settling the database. It returns events per second, WAL bytes per event
// and the CPU time of the COPYs.
func bareCopy(ctx context.Context, meter cpuMeter, rows bareRows, dbURL string) (float64, float64, cpuTimes, error) {
	if _, err := settle(ctx, dbURL, "bench_bare"); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, cpuTimes{}, err
	}
	defer conn.Close(ctx)
	var wal0, wal1 int64
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&wal0); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	start, cpu0 := time.Now(), meter.sample()
	for _, payload := range rows.payloads {
		if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(payload), `COPY bench_bare FROM STDIN (FORMAT binary)`); err != nil {
			return 0, 0, cpuTimes{}, err
		}
	}
	elapsed, cpu := time.Since(start), meter.sample().sub(cpu0)
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&wal1); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	return float64(rows.count) / elapsed.Seconds(), float64(wal1-wal0) / float64(rows.count), cpu, nil
}

// splitBinaryCopy splits PostgreSQL's binary COPY format into its header and
// one slice per tuple.
func splitBinaryCopy(data []byte) ([]byte, [][]byte, error) {
	const sig = "PGCOPY\n\xff\r\n\x00"
	if len(data) < 19 || string(data[:11]) != sig {
		return nil, nil, fmt.Errorf("not a binary COPY stream")
	}
	headerLen := 19 + int(binary.BigEndian.Uint32(data[15:19]))
	header, rest := data[:headerLen], data[headerLen:]
	var tuples [][]byte
	for {
		if len(rest) < 2 {
			return nil, nil, fmt.Errorf("truncated binary COPY stream")
		}
		fields := int16(binary.BigEndian.Uint16(rest))
		if fields == -1 {
			return header, tuples, nil
		}
		p := 2
		for f := 0; f < int(fields); f++ {
			n := int32(binary.BigEndian.Uint32(rest[p:]))
			p += 4
			if n > 0 {
				p += int(n)
			}
		}
		tuples = append(tuples, rest[:p])
		rest = rest[p:]
	}
}
