package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// bareCopy COPYs the rows a full run stored (in rowsURL) into a copy of
// ConversationEvent with the same indexes and no triggers or foreign keys (in
// a fresh database at dbURL), in batches of the loader's size, each its own
// transaction. It returns events per second, WAL bytes per event and the CPU
// time of the COPYs.
func bareCopy(ctx context.Context, meter cpuMeter, rowsURL, dbURL string, batchSize int) (float64, float64, cpuTimes, error) {
	var dump bytes.Buffer
	src, err := pgx.Connect(ctx, rowsURL)
	if err != nil {
		return 0, 0, cpuTimes{}, err
	}
	_, err = src.PgConn().CopyTo(ctx, &dump, `COPY (SELECT * FROM "ConversationEvent" ORDER BY "sequenceNumber") TO STDOUT (FORMAT binary)`)
	src.Close(ctx)
	if err != nil {
		return 0, 0, cpuTimes{}, err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, cpuTimes{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE bench_bare (LIKE "ConversationEvent" INCLUDING ALL)`); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	header, tuples, err := splitBinaryCopy(dump.Bytes())
	if err != nil {
		return 0, 0, cpuTimes{}, err
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	if _, err := conn.Exec(ctx, `CHECKPOINT`); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	var wal0, wal1 int64
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&wal0); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	trailer := []byte{0xff, 0xff}
	var payloads [][]byte // built before the clock starts: only PostgreSQL's work is timed
	for i := 0; i < len(tuples); i += batchSize {
		payload := append([]byte(nil), header...)
		for _, t := range tuples[i:min(i+batchSize, len(tuples))] {
			payload = append(payload, t...)
		}
		payloads = append(payloads, append(payload, trailer...))
	}
	start, cpu0 := time.Now(), meter.sample()
	for _, payload := range payloads {
		if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(payload), `COPY bench_bare FROM STDIN (FORMAT binary)`); err != nil {
			return 0, 0, cpuTimes{}, err
		}
	}
	elapsed, cpu := time.Since(start), meter.sample().sub(cpu0)
	if err := conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&wal1); err != nil {
		return 0, 0, cpuTimes{}, err
	}
	return float64(len(tuples)) / elapsed.Seconds(), float64(wal1-wal0) / float64(len(tuples)), cpu, nil
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
