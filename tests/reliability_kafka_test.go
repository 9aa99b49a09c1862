package tests

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerFault answers requests of one key with an error while on, through
// kfake's ControlKey, and counts what it answered.
type brokerFault struct {
	on   atomic.Bool
	hits atomic.Int64
}

// inject installs the fault: while on, respond builds the answer to the
// n-th request (nil: the connection is closed instead; passThrough: the
// broker answers normally).
func (f *brokerFault) inject(c *kfake.Cluster, key kmsg.Key, respond func(kmsg.Request, int64) kmsg.Response) {
	var seen atomic.Int64
	c.ControlKey(key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !f.on.Load() {
			return nil, nil, false
		}
		resp := respond(req, seen.Add(1))
		if resp == passThrough {
			return nil, nil, false
		}
		f.hits.Add(1)
		if resp != nil {
			return resp, nil, true
		}
		return nil, errors.New("injected: connection closed"), true
	})
}

// passThrough is what a fault's respond returns to let a request through.
var passThrough kmsg.Response = &kmsg.ApiVersionsResponse{}

// fetchErrors answers a fetch with a partition error code on every
// partition, or closes the connection, in turn.
func fetchErrors(req kmsg.Request, n int64) kmsg.Response {
	codes := []int16{kerr.NotLeaderForPartition.Code, kerr.KafkaStorageError.Code, kerr.UnknownServerError.Code, 0}
	code := codes[n%int64(len(codes))]
	if code == 0 {
		return nil // close the connection
	}
	r := req.(*kmsg.FetchRequest)
	resp := r.ResponseKind().(*kmsg.FetchResponse)
	resp.SessionID = r.SessionID
	for _, rt := range r.Topics {
		st := kmsg.NewFetchResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewFetchResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, code
			sp.HighWatermark, sp.LastStableOffset, sp.LogStartOffset = -1, -1, -1
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

func offsetCommitErrors(req kmsg.Request, _ int64) kmsg.Response {
	r := req.(*kmsg.OffsetCommitRequest)
	resp := r.ResponseKind().(*kmsg.OffsetCommitResponse)
	for _, rt := range r.Topics {
		st := kmsg.NewOffsetCommitResponseTopic()
		st.Topic = rt.Topic
		for _, rp := range rt.Partitions {
			sp := kmsg.NewOffsetCommitResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, kerr.UnknownServerError.Code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

func groupErrors(req kmsg.Request, n int64) kmsg.Response {
	switch r := req.(type) {
	case *kmsg.JoinGroupRequest:
		if n%2 == 0 { // every other join goes through, to meet the sync errors
			return passThrough
		}
		resp := r.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode = []int16{kerr.CoordinatorNotAvailable.Code, kerr.CoordinatorLoadInProgress.Code, kerr.NotCoordinator.Code}[n%3]
		return resp
	case *kmsg.SyncGroupRequest:
		if n%3 == 0 {
			return passThrough
		}
		resp := r.ResponseKind().(*kmsg.SyncGroupResponse)
		resp.ErrorCode = kerr.RebalanceInProgress.Code
		return resp
	case *kmsg.HeartbeatRequest:
		resp := r.ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = []int16{kerr.RebalanceInProgress.Code, kerr.CoordinatorNotAvailable.Code}[n%2]
		return resp
	}
	return nil
}

// runWithFaults produces a generated stream slowly into a cluster while one
// in-process loader consumes it, switching the faults on for the middle part
// of the stream; then checks that every message was stored exactly once and
// the statistics equal recompute().
func runWithFaults(t *testing.T, seed int64, c *kfake.Cluster, faults []*brokerFault, during func()) {
	t.Helper()
	b := setup(t)
	p := generate(t, trafficConfig(seed, 4000))
	recs := p.records
	quarter := len(recs) / 4
	produceRecords(t, c, recs[:quarter])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 150, MaxWait: 30 * time.Millisecond}})
	waitFor(t, time.Minute, "the first batch", func() bool { return b.storedOffsets() > 0 })
	for _, f := range faults {
		f.on.Store(true)
	}
	if during != nil {
		go during()
	}
	produceSlowly(t, c, recs[quarter:3*quarter], 100, 40*time.Millisecond)
	for _, f := range faults {
		f.on.Store(false)
	}
	produceRecords(t, c, recs[3*quarter:])
	waitFor(t, 2*time.Minute, "every offset stored", func() bool {
		if exited, err := src.exited(); exited {
			t.Fatalf("the source stopped on its own: %v\n%s", err, tail(src.logs.String(), 4000))
		}
		return b.storedOffsets() >= p.endOffsets()
	})
	if err := src.stop(); err != nil {
		t.Fatalf("source: %v", err)
	}
	for i, f := range faults {
		if f.hits.Load() == 0 {
			t.Errorf("fault %d never hit a request", i)
		}
	}
	b.finish(t, p)
}

// TestKafkaFetchErrorsLoseNothing: fetches fail for a while (partition
// errors NOT_LEADER_FOR_PARTITION, KAFKA_STORAGE_ERROR, UNKNOWN_SERVER_ERROR,
// and closed connections); the loader keeps going and stores every message once.
func TestKafkaFetchErrorsLoseNothing(t *testing.T) {
	t.Parallel()
	c := newClusterWith(t, 3)
	f := &brokerFault{}
	f.inject(c, kmsg.Fetch, fetchErrors)
	runWithFaults(t, 31, c, []*brokerFault{f}, nil)
	t.Logf("%d fetches failed", f.hits.Load())
}

// TestKafkaOffsetCommitErrorsAreHarmless: Kafka's committed offsets only
// inform monitoring (the loader's offsets live in PostgreSQL), so failing
// every OffsetCommit changes nothing.
func TestKafkaOffsetCommitErrorsAreHarmless(t *testing.T) {
	t.Parallel()
	c := newClusterWith(t, 3)
	f := &brokerFault{}
	f.inject(c, kmsg.OffsetCommit, offsetCommitErrors)
	runWithFaults(t, 32, c, []*brokerFault{f}, nil)
}

// TestKafkaGroupCoordinatorErrorsLoseNothing: JoinGroup, SyncGroup and
// Heartbeat fail for a while (coordinator unavailable or moving, rebalance in
// progress), which makes the member rejoin over and over mid-stream.
func TestKafkaGroupCoordinatorErrorsLoseNothing(t *testing.T) {
	t.Parallel()
	c := newClusterWith(t, 3)
	var faults []*brokerFault
	for _, key := range []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat} {
		f := &brokerFault{}
		f.inject(c, key, groupErrors)
		faults = append(faults, f)
	}
	// Heartbeats fail first; the rejoin then meets the join and sync errors.
	runWithFaults(t, 33, c, faults, nil)
	t.Logf("failed: %d joins, %d syncs, %d heartbeats", faults[0].hits.Load(), faults[1].hits.Load(), faults[2].hits.Load())
}

// TestKafkaLeaderMovesLoseNothing moves partition leaders between three
// brokers every 50-150 ms while the loader consumes.
func TestKafkaLeaderMovesLoseNothing(t *testing.T) {
	t.Parallel()
	c := newClusterWith(t, 4, kfake.NumBrokers(3))
	moved := 0
	stopMoving := make(chan func() error, 1) // runWithFaults starts the mover in its own goroutine
	mover := func() {
		stopMoving <- repeatInBackground(t, func() time.Duration { return time.Duration(50+rand.IntN(100)) * time.Millisecond }, func() error {
			if err := c.MoveTopicPartition(topic, int32(rand.IntN(4)), int32(rand.IntN(3))); err != nil {
				return fmt.Errorf("move partition: %w", err)
			}
			moved++
			return nil
		})
	}
	f := &brokerFault{} // marks the window; never answers
	c.ControlKey(kmsg.Metadata.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if f.on.Load() {
			f.hits.Add(1)
		}
		return nil, nil, false
	})
	runWithFaults(t, 34, c, []*brokerFault{f}, mover)
	if err := (<-stopMoving)(); err != nil {
		t.Error(err)
	}
	t.Logf("moved partition leaders %d times; %d metadata requests meanwhile", moved, f.hits.Load())
}

// TestKafkaRebalancesWithThreeLoaders: three loaders (each its own pool and
// store) join and leave one consumer group while messages stream in; every
// message is stored once and each loader did some of the work.
func TestKafkaRebalancesWithThreeLoaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newClusterWith(t, 6)
	p := generate(t, trafficConfig(35, 6000))
	recs := p.records
	limits := loader.BatchLimits{MaxMessages: 100, MaxWait: 30 * time.Millisecond}
	start := func() *source {
		other := setupOn(t, b.db, defaultAssistant)
		return other.startSource(t, c, sourceOptions{group: "g", limits: limits})
	}
	chunks := 8
	size := len(recs)/chunks + 1
	next := 0
	produceChunk := func() {
		end := min(next+size, len(recs))
		produceSlowly(t, c, recs[next:end], 50, 10*time.Millisecond)
		next = end
	}
	var all []*source
	a := start()
	all = append(all, a)
	produceChunk()
	bb := start()
	all = append(all, bb)
	produceChunk()
	cc := start()
	all = append(all, cc)
	produceChunk()
	produceChunk()
	if err := a.stop(); err != nil { // a leaves
		t.Fatalf("a: %v", err)
	}
	produceChunk()
	a2 := start() // and comes back
	all = append(all, a2)
	produceChunk()
	if err := bb.stop(); err != nil {
		t.Fatalf("b: %v", err)
	}
	produceChunk()
	for next < len(recs) {
		produceChunk()
	}
	waitFor(t, 2*time.Minute, "every offset stored", func() bool {
		for i, s := range all {
			if exited, err := s.exited(); exited && err != nil {
				t.Fatalf("loader %d stopped: %v", i, err)
			}
		}
		return b.storedOffsets() >= p.endOffsets()
	})
	var counts []int64
	for _, s := range all {
		if err := s.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		counts = append(counts, s.loader.Totals().Messages)
	}
	t.Logf("messages written per loader (a, b, c, a again): %v", counts)
	for i, n := range counts[:3] {
		if n == 0 {
			t.Errorf("loader %d wrote nothing: %v", i, counts)
		}
	}
	b.finish(t, p)
}

// TestKafkaSourceReturnsAPermanentError: when a batch fails with an error no
// retry can fix (here the offsets table is gone), Run must return that error
// so the process exits and its supervisor sees it, not hang: with
// BlockRebalanceOnPoll, closing the client waits for AllowRebalance.
func TestKafkaSourceReturnsAPermanentError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := newClusterWith(t, 2)
	recs := generate(t, trafficConfig(36, 300)).records
	produceRecords(t, c, recs[:100])
	src := b.startSource(t, c, sourceOptions{group: "g", limits: loader.BatchLimits{MaxMessages: 50, MaxWait: 20 * time.Millisecond}})
	waitFor(t, time.Minute, "the first batch", func() bool { return b.storedOffsets() > 0 })
	b.exec(`ALTER TABLE "KafkaOffset" RENAME TO "KafkaOffsetGone"`)
	produceRecords(t, c, recs[100:])
	waitFor(t, 30*time.Second, "Run to return the error", func() bool {
		exited, _ := src.exited()
		return exited
	})
	_, err := src.exited()
	if err == nil || !strings.Contains(err.Error(), "KafkaOffset") {
		t.Errorf("Run returned %v, want the missing table's error", err)
	}
	src.err = nil // expected
	b.exec(`ALTER TABLE "KafkaOffsetGone" RENAME TO "KafkaOffset"`)
}
