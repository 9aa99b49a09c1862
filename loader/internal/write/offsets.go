package write

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Offsets live in PostgreSQL, in "KafkaOffset": each batch's transaction
// moves them on, and a source seeks to them when it is assigned partitions
// (docs/decisions.md, "Delivery").

// storeOffsets moves each partition's stored offset with a compare-and-set
// against what this loader last read or wrote (docs/decisions.md, "Delivery").
func storeOffsets(ctx context.Context, tx pgx.Tx, offsets []OffsetUpdate, group string) error {
	var topics, newTopics []string
	var partitions, newPartitions []int32
	var expected, next, newNext []int64
	for _, o := range offsets {
		if o.Expected == NoStoredOffset {
			newTopics, newPartitions, newNext = append(newTopics, o.Topic), append(newPartitions, o.Partition), append(newNext, o.Next)
			continue
		}
		topics, partitions = append(topics, o.Topic), append(partitions, o.Partition)
		expected, next = append(expected, o.Expected), append(next, o.Next)
	}
	if len(topics) > 0 {
		tag, err := tx.Exec(ctx, `
			UPDATE "KafkaOffset" AS o
			SET "nextOffset" = u.next, "consumerGroup" = $5, "updatedAt" = now()
			FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bigint[]) AS u(topic, partition, expected, next)
			WHERE o."topic" = u.topic AND o."partition" = u.partition AND o."nextOffset" = u.expected`,
			topics, partitions, expected, next, group)
		if err != nil {
			return fmt.Errorf("store offsets: %w", err)
		}
		if tag.RowsAffected() != int64(len(topics)) {
			return ErrOffsetConflict
		}
	}
	if len(newTopics) > 0 {
		tag, err := tx.Exec(ctx, `
			INSERT INTO "KafkaOffset" ("topic", "partition", "nextOffset", "consumerGroup")
			SELECT u.topic, u.partition, u.next, $4
			FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS u(topic, partition, next)
			ON CONFLICT DO NOTHING`, newTopics, newPartitions, newNext, group)
		if err != nil {
			return fmt.Errorf("store offsets: %w", err)
		}
		if tag.RowsAffected() != int64(len(newTopics)) {
			return ErrOffsetConflict
		}
	}
	return nil
}

// StoredOffsets reads the next offsets stored for the given partitions of
// topic; a partition without one is absent.
func (s *Store) StoredOffsets(ctx context.Context, topic string, partitions []int32) (map[int32]int64, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT "partition", "nextOffset" FROM "KafkaOffset" WHERE "topic" = $1 AND "partition" = ANY ($2)`,
		topic, partitions)
	if err != nil {
		return nil, fmt.Errorf("read stored offsets of %s: %w", topic, err)
	}
	stored := map[int32]int64{}
	var p int32
	var next int64
	_, err = pgx.ForEachRow(rows, []any{&p, &next}, func() error {
		stored[p] = next
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored offsets of %s: %w", topic, err)
	}
	return stored, nil
}
