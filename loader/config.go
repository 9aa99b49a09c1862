package loader

import (
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Config is everything a Loader needs. A zero field means its default, as
// DefaultConfig gives it; only DatabaseURL (and Kafka.Brokers, for RunKafka)
// have none.
type Config struct {
	DatabaseURL string
	// AssistantName is the assistantName of sessions whose events carry no
	// metadata.assistant_id.
	AssistantName string
	// Environment is the environment of messages without a RASA_ENVIRONMENT
	// header (JSONL replays); "" means none.
	Environment string
	// MaxEventBytes: larger messages are rejected as too_large.
	MaxEventBytes int
	// EnforceForeignKeys keeps PostgreSQL's per-row foreign key checks on the
	// loader's COPY. By default the loader skips them when its role may set
	// session_replication_role: the insert trigger creates every referenced
	// row in the same statement, and the checks cost about as much as the COPY
	// (docs/decisions.md, "Delivery", foreign keys).
	EnforceForeignKeys bool
	// Batch closes a batch at whichever limit comes first. Memory follows
	// MaxBytes: see HeldBytes.
	Batch BatchLimits
	// Writers is how many batches are written at once, each on its own
	// connection, from different partitions: one backend runs a batch's COPY
	// and triggers on one core. A partition's batches are always written one
	// after the other, in order.
	Writers int
	// RefreshInterval is how often the statistics are refreshed while the
	// loader runs (and soon after each batch). A negative interval turns the
	// background refresh off: only Replay and ReplayRejected refresh, once, at
	// their end (tests that refresh themselves).
	RefreshInterval time.Duration
	// SenderCacheSize is how many senders' session states are kept in memory.
	SenderCacheSize int
	// ReplayChunk is how many rejected messages ReplayRejected handles per
	// transaction.
	ReplayChunk int
	// WaitAtStart makes New wait for PostgreSQL, and RunKafka for a Kafka
	// broker, retrying with capped exponential backoff and logging each wait
	// until the context ends, instead of failing at once (`run`: an
	// orchestrator may start the loader before its services).
	WaitAtStart bool
	// StartTimeout bounds each of those waits; 0: until the context ends.
	StartTimeout time.Duration
	// LiveTimeout is how long RunKafka's consumer loop may go without polling
	// (and its writers without finishing an attempt) before Live reports it
	// stuck.
	LiveTimeout time.Duration
	// Version labels analyticsdb_build_info.
	Version string
	Kafka   KafkaConfig
	Log     *slog.Logger // default: discard
}

// KafkaConfig is the Kafka side of a Config.
type KafkaConfig struct {
	Brokers []string
	Topic   string
	// Group is the consumer group; loaders in one group share the partitions.
	// It is also recorded with the offsets the loader stores.
	Group string
	// SessionTimeout is how long the group waits for a member that stopped
	// heartbeating (a killed loader) before handing its partitions to the
	// others. The broker bounds it by its group.min.session.timeout.ms and
	// group.max.session.timeout.ms.
	SessionTimeout time.Duration
	// Security is TLS, SASL and the client id.
	Security KafkaSecurity
	// Opts are extra client options, applied last (tests).
	Opts []kgo.Opt
}

// DefaultConfig is every default of the loader, written once: cmd's flags,
// the demo, the bench and the tests start from it.
func DefaultConfig() Config {
	return Config{
		AssistantName: "unknown",
		MaxEventBytes: 8 << 20,
		Batch: BatchLimits{
			MaxMessages: 5000,
			// Typical events (about 450 bytes) fill 5,000 messages first; 4 MiB
			// keeps a loader of large events (a few KB each) under 100 MB
			// resident with two writers (docs/performance.md, "Large events").
			MaxBytes: 4 << 20,
			MaxWait:  250 * time.Millisecond,
		},
		Writers:         2,
		RefreshInterval: time.Second,
		SenderCacheSize: 100_000,
		ReplayChunk:     1000,
		LiveTimeout:     time.Minute,
		Kafka: KafkaConfig{
			Topic:          "rasa-events",
			Group:          "analyticsdb",
			SessionTimeout: 45 * time.Second,
			Security:       KafkaSecurity{ClientID: "analyticsdb"},
		},
	}
}

// HeldBytes is the most message bytes RunKafka holds at once: per writer,
// the batch being filled, the one waiting and the one being written. Their
// decoded events point into the same bytes.
func (c Config) HeldBytes() int {
	c = c.withDefaults()
	return 3 * c.Writers * c.Batch.MaxBytes
}

// withDefaults fills every zero field from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	c.AssistantName = or(c.AssistantName, d.AssistantName)
	c.MaxEventBytes = or(c.MaxEventBytes, d.MaxEventBytes)
	c.Batch.MaxMessages = min(or(c.Batch.MaxMessages, d.Batch.MaxMessages), MaxBatchMessages)
	c.Batch.MaxBytes = or(c.Batch.MaxBytes, d.Batch.MaxBytes)
	c.Batch.MaxWait = or(c.Batch.MaxWait, d.Batch.MaxWait)
	c.Writers = or(c.Writers, d.Writers)
	if c.RefreshInterval == 0 { // negative: off
		c.RefreshInterval = d.RefreshInterval
	}
	c.SenderCacheSize = or(c.SenderCacheSize, d.SenderCacheSize)
	c.ReplayChunk = or(c.ReplayChunk, d.ReplayChunk)
	c.LiveTimeout = or(c.LiveTimeout, d.LiveTimeout)
	c.Kafka.Topic = or(c.Kafka.Topic, d.Kafka.Topic)
	c.Kafka.Group = or(c.Kafka.Group, d.Kafka.Group)
	c.Kafka.SessionTimeout = or(c.Kafka.SessionTimeout, d.Kafka.SessionTimeout)
	c.Kafka.Security.ClientID = or(c.Kafka.Security.ClientID, d.Kafka.Security.ClientID)
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// or is v, or def when v is unset: empty, zero or negative.
func or[T int | time.Duration | string](v, def T) T {
	var zero T
	if v <= zero {
		return def
	}
	return v
}
