package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/failpoint"
	"github.com/openrasa/analyticsdb/loader/internal/write"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Source consumes a topic as a member of a consumer group and writes it
// in batches. Offsets live in PostgreSQL, written in each batch's transaction:
// on assignment the source seeks to them, so Kafka's own committed offsets
// only inform monitoring tools.
type Source struct {
	cfg    Config
	writer *write.Writer
	lag    LagGauge
	log    *slog.Logger
	cl     *kgo.Client

	mu       sync.Mutex
	expected map[topicPartition]int64 // stored next offset as last read or written; NoStoredOffset if none
	owned    map[topicPartition]bool  // assigned to this member

	// owned by the Run goroutine
	writeCtx         context.Context
	lanes            *lanes
	inflight         map[topicPartition]int64 // next offset of the last batch queued, not yet written
	rebalanceWaiting atomic.Bool
	reseeked         map[topicPartition]bool // moved back to their stored offsets: what Run polled from them is stale
}

type topicPartition struct {
	topic     string
	partition int32
}

// Config is what a Source needs, with the loader's defaults filled in.
type Config struct {
	Brokers        []string
	Topic          string
	Group          string
	SessionTimeout time.Duration
	Batch          write.BatchLimits
	Writers        int       // lanes: batches written at once
	Opts           []kgo.Opt // TLS, SASL, hooks and any extra options, applied last
	// Health, when set, follows the consumer loop and the broker connections.
	Health *Health
	// IdlePoll bounds a poll when nothing is held (default 5 s): an idle
	// topic must not stop the loop from turning, which is how Health tells a
	// live loop from a stuck one.
	IdlePoll time.Duration
}

// LagGauge records a partition's consumer lag in messages, and forgets a
// partition that moved to another member.
type LagGauge interface {
	SetLag(topic string, partition int32, lag int64)
	DeleteLag(topic string, partition int32)
}

// NewSource connects a group member of cfg.Group; Run consumes.
func NewSource(w *write.Writer, lag LagGauge, cfg Config, log *slog.Logger) (*Source, error) {
	if cfg.Health == nil {
		cfg.Health = &Health{}
	}
	if cfg.IdlePoll <= 0 {
		cfg.IdlePoll = 5 * time.Second
	}
	s := &Source{cfg: cfg, writer: w, lag: lag, log: log, expected: map[topicPartition]int64{}, owned: map[topicPartition]bool{}, inflight: map[topicPartition]int64{}}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.AdjustFetchOffsetsFn(s.seekToStoredOffsets),
		kgo.OnPartitionsAssigned(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.revoked),
		kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) { s.rebalanceWaiting.Store(true) }),
		// Bound what the client buffers: the loader's memory is the batch plus
		// one fetch, and a fetch's limit counts compressed bytes (JSON
		// compresses about 5x). A few fetches fill a batch anyway. A quarter
		// per partition makes each fetch span partitions, so the writers are
		// fed together: a fetch of one partition only (a whole MiB, two
		// batches) fed one writer while the other ran dry.
		kgo.FetchMaxBytes(1 << 20),
		kgo.FetchMaxPartitionBytes(256 << 10),
		kgo.MaxConcurrentFetches(1),
		kgo.FetchMaxWait(cfg.Batch.MaxWait),
		kgo.WithHooks(cfg.Health),
	}
	// A member heartbeats a few times per timeout, so one lost heartbeat
	// does not cost it its partitions.
	opts = append(opts, kgo.SessionTimeout(cfg.SessionTimeout), kgo.HeartbeatInterval(min(3*time.Second, cfg.SessionTimeout/3)))
	opts = append(opts, cfg.Opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	s.cl = cl
	return s, nil
}

// ShutdownGrace is how long a batch already being written may take to finish
// after the source is told to stop; past it the batch is abandoned (nothing of
// it is committed, so the next owner of its partitions reads it again).
const ShutdownGrace = 20 * time.Second

// Run consumes until ctx is done, then finishes the open batches, leaves the
// group and closes the client. Batches are written by pipelines, one per lane
// (see Config.Writers): the next batch is polled and decoded while the
// previous ones are written.
func (s *Source) Run(ctx context.Context) error {
	defer func() { s.cl.AllowRebalance(); s.cl.Close() }() // Close waits for AllowRebalance after a poll: an error return must not hang
	writeCtx, stopWrites := graceful(ctx, ShutdownGrace)
	defer stopWrites()
	s.writeCtx = writeCtx
	s.lanes = newLanes(s.cfg.Writers)
	for _, l := range s.lanes.all {
		l.pl = write.NewPipeline(writeCtx, s.writer)
	}
	defer func() {
		for _, l := range s.lanes.all {
			l.pl.Close()
		}
	}()
	for {
		s.cfg.Health.polled()
		for _, l := range s.lanes.all {
			if err := s.handle(ctx, l, l.pl.Results()); err != nil {
				return err
			}
		}
		if len(s.reseeked) > 0 { // they are read again from the stored offsets: written now, these would skip ahead
			s.lanes.drop(s.reseeked)
			clear(s.reseeked)
		}
		if ctx.Err() != nil {
			// Shutting down: write what we hold (one batch per lane at most), then leave.
			err := s.flush(ctx)
			s.cl.AllowRebalance()
			s.leave()
			return s.shutdownError(err)
		}
		if s.rebalanceWaiting.Load() && (s.lanes.held() > 0 || s.lanes.pending() > 0) {
			// A rebalance waits on us: write everything polled, then let it run.
			if err := s.flush(ctx); err != nil {
				return err
			}
		}
		if s.lanes.held() == 0 && s.lanes.pending() == 0 {
			s.rebalanceWaiting.Store(false)
			s.lanes.reroute()
			s.cl.AllowRebalance()
		}

		pollCtx, cancel := context.WithTimeout(ctx, s.cfg.IdlePoll)
		if first, ok := s.lanes.firstStarted(); ok {
			cancel()
			pollCtx, cancel = context.WithDeadline(ctx, first.Add(s.cfg.Batch.MaxWait))
		} else if s.lanes.pending() > 0 { // come back soon for the outcome
			cancel()
			pollCtx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
		}
		fetches := s.cl.PollRecords(pollCtx, s.cfg.Batch.MaxMessages-s.lanes.mostHeld())
		cancel()
		if fetches.IsClientClosed() {
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				s.log.Warn("kafka fetch error", "topic", topic, "partition", partition, "error", err)
			}
		})
		s.mu.Lock() // a partition revoked since its fetch keeps no lag series
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if n := len(p.Records); n > 0 && s.owned[topicPartition{p.Topic, p.Partition}] {
				s.lag.SetLag(p.Topic, p.Partition, p.HighWatermark-p.Records[n-1].Offset-1)
			}
		})
		s.mu.Unlock()
		now := time.Now()
		fetches.EachRecord(func(r *kgo.Record) {
			s.lanes.of(topicPartition{r.Topic, r.Partition}).add(messageOf(r), now)
		})
		for _, l := range s.lanes.all {
			if l.due(s.cfg.Batch, time.Now()) {
				if err := s.enqueue(l); err != nil {
					return err
				}
			}
		}
	}
}

// flush writes every held batch and waits for all the lanes' outcomes.
func (s *Source) flush(ctx context.Context) error {
	for _, l := range s.lanes.all {
		if err := s.enqueue(l); err != nil {
			return err
		}
	}
	for _, l := range s.lanes.all {
		if err := s.handle(ctx, l, l.pl.Drain()); err != nil {
			return err
		}
	}
	return nil
}

// enqueue prepares the lane's batch (decoding it here, on the polling
// goroutine), chains its offsets after the batches already queued,
// hands it to the lane's pipeline and empties it.
func (s *Source) enqueue(l *lane) error {
	if len(l.batch.Messages) == 0 {
		return nil
	}
	own := l.batch // the prepared batch keeps this; l.batch is reused
	own.Offsets = s.offsetUpdates(own.Messages)
	p, err := s.writer.Store.Prepare(&own)
	if err != nil {
		return err
	}
	for _, o := range own.Offsets {
		s.inflight[topicPartition{o.Topic, o.Partition}] = o.Next
	}
	l.pl.Send(p)
	l.batch = write.Batch{Messages: make([]decode.Message, 0, cap(l.batch.Messages))}
	l.size = 0
	return nil
}

// handle applies the outcomes of a lane's written batches: stored offsets
// move on; on an offset conflict the lane's partitions involved are re-read
// from the stored offsets (another loader wrote them); any other error ends
// the source.
func (s *Source) handle(ctx context.Context, l *lane, outcomes []write.Outcome) error {
	var reseek []write.OffsetUpdate
	for _, o := range outcomes {
		switch {
		case o.Err == nil:
			failpoint.Hit("after-commit")
			s.mu.Lock()
			for _, u := range o.Batch.Offsets {
				tp := topicPartition{u.Topic, u.Partition}
				s.expected[tp] = u.Next
				if s.inflight[tp] == u.Next {
					delete(s.inflight, tp)
				}
			}
			s.mu.Unlock()
			s.commitToKafka(o.Batch.Offsets)
		case errors.Is(o.Err, write.ErrOffsetConflict), errors.Is(o.Err, write.ErrSkippedAfterFailure):
			reseek = append(reseek, o.Batch.Offsets...)
		default:
			return o.Err
		}
	}
	if len(reseek) == 0 {
		return nil
	}
	// Batches still queued in the lane were chained on the failed one: they fail too.
	for _, o := range l.pl.Close() {
		reseek = append(reseek, o.Batch.Offsets...)
	}
	l.pl = write.NewPipeline(s.writeCtx, s.writer)
	for _, o := range reseek { // nothing of these partitions is in flight any more
		delete(s.inflight, topicPartition{o.Topic, o.Partition})
	}
	s.markReseeked(reseek)
	if ctx.Err() != nil {
		// Stopping: nothing more is read, so there is nothing to seek; the
		// next owner starts from the stored offsets.
		return nil
	}
	s.log.Warn("stored offsets moved under this loader; re-reading its partitions from them")
	if err := s.reseek(ctx, reseek); err != nil && ctx.Err() == nil { // a stop cut it short: see above
		return err
	}
	return nil
}

// markReseeked records partitions whose already polled messages are stale:
// Run drops them from the batch it holds.
func (s *Source) markReseeked(offsets []write.OffsetUpdate) {
	if s.reseeked == nil {
		s.reseeked = map[topicPartition]bool{}
	}
	for _, o := range offsets {
		s.reseeked[topicPartition{o.Topic, o.Partition}] = true
	}
}

// shutdownError is what Run returns for the last batch's error when stopping:
// a batch abandoned past the grace period is not an error (it was not
// committed, so it will be read again).
func (s *Source) shutdownError(err error) error {
	switch {
	case err == nil, errors.Is(err, write.ErrOffsetConflict):
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("stopped before the open batch was written; it will be read again", "error", err)
		return nil
	}
	return err
}

// graceful returns a context that ends grace after parent does.
func graceful(parent context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(ctx, func() { t.Stop() })
	})
	return ctx, func() { stop(); cancel() }
}

func (s *Source) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cl.LeaveGroupContext(ctx); err != nil {
		s.log.Warn("leave consumer group", "error", err)
	}
}

func (s *Source) offsetUpdates(msgs []decode.Message) []write.OffsetUpdate {
	next := map[topicPartition]int64{}
	var order []topicPartition
	for i := range msgs {
		tp := topicPartition{msgs[i].Pos.Topic, msgs[i].Pos.Partition}
		if _, ok := next[tp]; !ok {
			order = append(order, tp)
		}
		next[tp] = max(next[tp], msgs[i].Pos.Offset+1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	updates := make([]write.OffsetUpdate, 0, len(order))
	for _, tp := range order {
		expected, ok := s.inflight[tp]
		if !ok {
			if expected, ok = s.expected[tp]; !ok {
				expected = write.NoStoredOffset
			}
		}
		updates = append(updates, write.OffsetUpdate{Topic: tp.topic, Partition: tp.partition, Expected: expected, Next: next[tp]})
	}
	return updates
}

// commitToKafka tells Kafka what PostgreSQL already holds, for lag monitoring.
func (s *Source) commitToKafka(offsets []write.OffsetUpdate) {
	commit := map[string]map[int32]kgo.EpochOffset{}
	for _, o := range offsets {
		if commit[o.Topic] == nil {
			commit[o.Topic] = map[int32]kgo.EpochOffset{}
		}
		commit[o.Topic][o.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o.Next}
	}
	s.cl.CommitOffsets(context.Background(), commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			s.log.Debug("commit offsets to kafka (informational only)", "error", err)
		}
	})
}

// reseek moves the given partitions back to their stored offsets.
func (s *Source) reseek(ctx context.Context, offsets []write.OffsetUpdate) error {
	s.writer.Store.ForgetSenders()
	set := map[string]map[int32]kgo.EpochOffset{}
	for _, o := range offsets {
		stored, err := s.writer.Store.StoredOffsets(ctx, o.Topic, []int32{o.Partition})
		if err != nil {
			return err
		}
		next, ok := stored[o.Partition]
		s.mu.Lock()
		if ok {
			s.expected[topicPartition{o.Topic, o.Partition}] = next
		} else {
			delete(s.expected, topicPartition{o.Topic, o.Partition})
			next = 0
		}
		s.mu.Unlock()
		if set[o.Topic] == nil {
			set[o.Topic] = map[int32]kgo.EpochOffset{}
		}
		set[o.Topic][o.Partition] = kgo.EpochOffset{Epoch: -1, Offset: next}
	}
	s.cl.SetOffsets(set)
	return nil
}

// withoutPartitions drops the messages of the given partitions, in place, and
// returns the size of the rest.
func withoutPartitions(msgs []decode.Message, drop map[topicPartition]bool) ([]decode.Message, int) {
	kept, size := msgs[:0], 0
	for _, m := range msgs {
		if !drop[topicPartition{m.Pos.Topic, m.Pos.Partition}] {
			kept = append(kept, m)
			size += len(m.Value)
		}
	}
	return kept, size
}

// seekToStoredOffsets is the AdjustFetchOffsetsFn: every assigned partition
// starts at the offset stored in PostgreSQL, or at the earliest offset.
func (s *Source) seekToStoredOffsets(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	var bo write.Backoff
	for {
		out, err := s.adjust(ctx, assigned)
		if err == nil || !write.IsTransient(err) || ctx.Err() != nil {
			return out, err
		}
		s.log.Warn("read stored offsets; retrying", "error", err)
		if err := bo.Wait(ctx); err != nil {
			return nil, err
		}
	}
}

func (s *Source) adjust(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	out := make(map[string]map[int32]kgo.Offset, len(assigned))
	for topic, partitions := range assigned {
		ids := make([]int32, 0, len(partitions))
		for p := range partitions {
			ids = append(ids, p)
		}
		stored, err := s.writer.Store.StoredOffsets(ctx, topic, ids)
		if err != nil {
			return nil, err
		}
		out[topic] = make(map[int32]kgo.Offset, len(partitions))
		s.mu.Lock()
		for _, p := range ids {
			tp := topicPartition{topic, p}
			if next, ok := stored[p]; ok {
				out[topic][p] = kgo.NewOffset().At(next).WithEpoch(-1)
				s.expected[tp] = next
			} else {
				out[topic][p] = kgo.NewOffset().AtStart()
				s.expected[tp] = write.NoStoredOffset
			}
		}
		s.mu.Unlock()
		s.log.Info("partitions assigned; starting from stored offsets", "topic", topic, "partitions", ids, "stored", stored)
	}
	failpoint.Hit("assigned")
	return out, nil
}

// Partitions moved: cached sender states may be stale now.
func (s *Source) assigned(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
	s.mu.Lock()
	for topic, partitions := range assigned {
		for _, p := range partitions {
			s.owned[topicPartition{topic, p}] = true
		}
	}
	s.cfg.Health.partitions.Store(int64(len(s.owned)))
	s.mu.Unlock()
	s.writer.Store.ForgetSenders()
}

// revoked forgets partitions this member no longer owns, their lag series
// included: their new owner reports them.
func (s *Source) revoked(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	failpoint.Hit("revoked")
	s.mu.Lock()
	for topic, partitions := range lost {
		for _, p := range partitions {
			tp := topicPartition{topic, p}
			delete(s.expected, tp)
			delete(s.owned, tp)
			s.lag.DeleteLag(topic, p)
		}
	}
	s.cfg.Health.partitions.Store(int64(len(s.owned)))
	s.mu.Unlock()
	s.writer.Store.ForgetSenders()
}

// messageOf copies a record out of the client's fetch buffers: a batch then
// keeps only its own bytes alive, not every decompressed fetch it touched.
func messageOf(r *kgo.Record) decode.Message {
	m := decode.Message{Key: clone(r.Key), Value: clone(r.Value), Pos: decode.Position{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}}
	if len(r.Headers) > 0 {
		m.Headers = make([]decode.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = decode.Header{Key: h.Key, Value: clone(h.Value)}
		}
	}
	return m
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
