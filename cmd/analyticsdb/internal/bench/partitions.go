package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// preparePartitions sets the partition interval of the database at url
// ("" keeps the default) and makes the leaves that hold [from, to) and the
// ones a loader's maintenance makes at start, so that no measured run
// creates any. With "none" it makes only the latter: the bench's rows then
// all go through the partitioned table into its default partition. It
// returns the interval in force.
func preparePartitions(ctx context.Context, url, interval string, from, to time.Time) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if interval != "" && interval != "none" {
		if _, err := conn.Exec(ctx, `UPDATE analytics."EventPartitionSettings" SET "interval" = $1`, interval); err != nil {
			return "", err
		}
	}
	if interval != "none" {
		if _, err := conn.Exec(ctx, `SELECT analytics.ensure_event_partitions($1, $2)`, from, to); err != nil {
			return "", err
		}
	}
	if _, err := conn.Exec(ctx, `SELECT analytics.ensure_event_partitions()`); err != nil {
		return "", err
	}
	if interval == "none" {
		return interval, nil
	}
	err = conn.QueryRow(ctx, `SELECT "interval" FROM analytics."EventPartitionSettings"`).Scan(&interval)
	return interval, err
}
