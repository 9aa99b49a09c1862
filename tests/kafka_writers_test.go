package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/twmb/franz-go/pkg/kgo"
)

// With two writers a loader writes two partitions' batches at once, so a
// partition whose transaction waits (here on a lock a test transaction holds
// on its stored offset) does not hold up the other partition; once the lock
// goes, everything is stored exactly once. With one writer (checked by hand)
// the other partition's messages wait in the same stuck batch.
func TestAStuckPartitionDoesNotHoldUpTheOtherWriter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newCluster(t, 2)
	ctx := context.Background()
	produceTo := func(partition int32, from, n int) {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic),
			kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i := from; i < from+n; i++ {
			value := fmt.Sprintf(`{"sender_id": "sender-%d", "event": "user", "timestamp": %d.5, "text": "message %d", "metadata": {"assistant_id": "bot"}}`,
				partition, 1_730_000_000+i, i)
			rec := &kgo.Record{Partition: partition, Key: []byte(fmt.Sprintf("sender-%d", partition)), Value: []byte(value)}
			if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	storedOffset := func(partition int32) int64 {
		return one[int64](b, `SELECT coalesce(max("nextOffset"), 0) FROM "KafkaOffset" WHERE "partition" = $1`, partition)
	}
	produceTo(0, 0, 1)
	produceTo(1, 0, 1)
	src := b.startSource(t, c, sourceOptions{group: "writers", writers: 2, limits: loader.BatchLimits{MaxWait: 50 * time.Millisecond}})
	b.waitForOffsets(t, 2)

	lock, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `SELECT 1 FROM "KafkaOffset" WHERE "partition" = 0 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	produceTo(0, 1, 10)
	produceTo(1, 1, 10)
	waitFor(t, 30*time.Second, "partition 1 stored while partition 0 is stuck", func() bool { return storedOffset(1) == 11 })
	if got := storedOffset(0); got != 1 {
		t.Fatalf("partition 0's offset moved to %d through a lock", got)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	b.waitForOffsets(t, 22)
	if err := src.stop(); err != nil {
		t.Fatalf("source: %v", err)
	}
	if got := one[int64](b, `SELECT count(*) FROM "ConversationEvent"`); got != 22 {
		t.Fatalf("%d events stored, want 22", got)
	}
	if got := one[int64](b, `SELECT count(DISTINCT "conversationId") FROM "ConversationEvent"`); got != 2 {
		t.Fatalf("%d conversations, want 2 (one per sender)", got)
	}
}
