package loader

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/openrasa/analyticsdb/loader/internal/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Status is what an operator asks first: how far each partition is stored,
// what was rejected, when statistics were last refreshed, how big things are.
type Status struct {
	Partitions    []PartitionStatus
	Rejected      map[string]int64 // not yet replayed, by reason
	LastRefreshAt *time.Time
	DirtyGroups   int64 // statistics groups and deltas waiting for the next refresh
	Quarantined   []QuarantinedGroup
	Rows          map[string]int64
	// LagError says why EndOffset and Lag are unknown (-1) although the
	// brokers were configured.
	LagError error
}

// QuarantinedGroup is a statistics group the refresh could not fold and set
// aside (analytics."QuarantinedStatisticsGroup"); its key releases it.
type QuarantinedGroup struct {
	Key, Kind, Group, SQLState, Error string
	At                                time.Time
}

// PartitionStatus is one partition's stored offset, and its lag when the
// broker's end offset is known (-1 otherwise).
type PartitionStatus struct {
	Topic         string
	Partition     int32
	NextOffset    int64
	EndOffset     int64
	Lag           int64
	ConsumerGroup string
	UpdatedAt     time.Time
}

// readStatus reads the status from the database; onCitus: it is a Citus
// coordinator (write.Store.OnCitus).
func readStatus(ctx context.Context, pool *pgxpool.Pool, onCitus bool) (Status, error) {
	st := Status{Rejected: map[string]int64{}, Rows: map[string]int64{}}
	rows, err := pool.Query(ctx, `SELECT "topic", "partition", "nextOffset", "consumerGroup", "updatedAt"
		FROM "KafkaOffset" ORDER BY 1, 2`)
	if err != nil {
		return st, err
	}
	var p PartitionStatus
	_, err = pgx.ForEachRow(rows, []any{&p.Topic, &p.Partition, &p.NextOffset, &p.ConsumerGroup, &p.UpdatedAt}, func() error {
		p.EndOffset, p.Lag = -1, -1
		st.Partitions = append(st.Partitions, p)
		return nil
	})
	if err != nil {
		return st, err
	}
	rows, err = pool.Query(ctx, `SELECT "reason", count(*) FROM "RejectedEvent" WHERE "replayedAt" IS NULL GROUP BY 1`)
	if err != nil {
		return st, err
	}
	var reason string
	var n int64
	if _, err = pgx.ForEachRow(rows, []any{&reason, &n}, func() error { st.Rejected[reason] = n; return nil }); err != nil {
		return st, err
	}
	if err := pool.QueryRow(ctx, `SELECT "lastRefreshAt",
		(SELECT count(*) FROM analytics."DirtyVersionStatistics") + (SELECT count(*) FROM analytics."DirtyFlowStatistics")
		+ (SELECT count(*) FROM analytics."VersionStatisticsDelta") + (SELECT count(*) FROM analytics."FlowStatisticsDelta")
		FROM analytics."RefreshLog"`).Scan(&st.LastRefreshAt, &st.DirtyGroups); err != nil {
		return st, err
	}
	rows, err = pool.Query(ctx, `SELECT "groupKey", "kind",
		  concat_ws(' / ', "date", left("assistantName", 80), left(coalesce("channelName", "flowName"), 80), left("version", 80)),
		  "sqlstate", "error", "quarantinedAt"
		FROM analytics."QuarantinedStatisticsGroup" ORDER BY "quarantinedAt"`)
	if err != nil {
		return st, err
	}
	st.Quarantined, err = pgx.CollectRows(rows, pgx.RowToStructByPos[QuarantinedGroup])
	if err != nil {
		return st, err
	}
	// Estimates: exact counts of big tables would scan them.
	tables := []string{"ConversationEvent", "Conversation", "VersionDailyStatistics", "FlowDailyStatistics", "RejectedEvent"}
	if onCitus {
		rows, err = pool.Query(ctx, citusRowEstimates, tables)
	} else {
		rows, err = pool.Query(ctx, rowEstimates, tables)
	}
	if err != nil {
		return st, err
	}
	_, err = pgx.ForEachRow(rows, []any{&reason, &n}, func() error { st.Rows[reason] = n; return nil })
	return st, err
}

// rowEstimates is PostgreSQL's row estimate of each table named in $1, the
// sum of its leaves' (a table that is not partitioned is its own leaf).
// citusRowEstimates is the same on Citus, where a distributed table's rows
// are on its shards, whose estimates the workers keep (the coordinator's is
// 0).
const (
	rowEstimates      = estimatesHead + leafEstimate + estimatesTail
	citusRowEstimates = estimatesHead + `CASE WHEN EXISTS (SELECT 1 FROM pg_dist_shard AS s WHERE s.logicalrelid = l."leaf")
	  THEN (SELECT sum(greatest(r.result::real, 0)) FROM run_command_on_shards(l."leaf"::regclass,
	          $$SELECT reltuples FROM pg_class WHERE oid = '%s'::regclass$$) AS r WHERE r.success)
	  ELSE ` + leafEstimate + ` END` + estimatesTail

	estimatesHead = `SELECT c.relname, coalesce(sum(`
	leafEstimate  = `(SELECT greatest(r.reltuples, 0) FROM pg_class AS r WHERE r.oid = l."leaf")`
	estimatesTail = `), 0)::bigint
	FROM pg_class AS c
	JOIN pg_namespace AS n ON n.oid = c.relnamespace
	LEFT JOIN LATERAL pg_partition_tree(c.oid) AS t ON c.relkind = 'p' AND t.isleaf
	CROSS JOIN LATERAL (SELECT coalesce(t.relid, c.oid) AS "leaf") AS l
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY ($1)
	GROUP BY c.relname`
)

// addLag fills in end offsets and lag from the brokers.
func (st *Status) addLag(ctx context.Context, brokers []string, opts ...kgo.Opt) error {
	byTopic := map[string][]int32{}
	for _, p := range st.Partitions {
		byTopic[p.Topic] = append(byTopic[p.Topic], p.Partition)
	}
	end, err := kafka.EndOffsets(ctx, brokers, byTopic, opts...)
	for i := range st.Partitions {
		p := &st.Partitions[i]
		if offset, ok := end[p.Topic][p.Partition]; ok {
			p.EndOffset = offset
			p.Lag = max(0, offset-p.NextOffset)
		}
	}
	return err
}
