package loader

import (
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/failpoint"
	"github.com/openrasa/analyticsdb/loader/internal/kafka"
	"github.com/openrasa/analyticsdb/loader/internal/write"
)

// The public API's types live with their job in the internal packages; these
// names make them the loader's own.
type (
	// Message is one input message: a Kafka record or a line of a JSONL file.
	Message = decode.Message
	// Header is a Kafka record header.
	Header = decode.Header
	// Position says where a message came from: a Kafka topic, partition and
	// offset, or a file and line.
	Position = decode.Position

	// Batch is a run of messages in stream order, with the Kafka offsets it
	// covers.
	Batch = write.Batch
	// OffsetUpdate moves one partition's stored next offset from Expected to
	// Next.
	OffsetUpdate = write.OffsetUpdate
	// BatchLimits close a batch at whichever comes first (defaults:
	// DefaultConfig).
	BatchLimits = write.BatchLimits
	// Result is what a batch write did.
	Result = write.Result
	// ReplayTotals sums a replay of rejected messages.
	ReplayTotals = write.ReplayTotals

	// KafkaSecurity is how the loader authenticates to Kafka: the settings
	// Rasa's own broker config offers (security_protocol, ssl_*, sasl_*).
	KafkaSecurity = kafka.Security
)

const (
	// MaxBatchMessages bounds a batch: each message's sequence number is its
	// batch block times 2^20 plus its position in the batch.
	MaxBatchMessages = write.MaxBatchMessages
	// NoStoredOffset is OffsetUpdate.Expected for a partition with no stored
	// offset.
	NoStoredOffset = write.NoStoredOffset
	// ShutdownGrace is how long a batch already being written may take to
	// finish after RunKafka is told to stop; past it the batch is abandoned
	// (nothing of it is committed, so it is read again).
	ShutdownGrace = kafka.ShutdownGrace
)

// ErrOffsetConflict means another loader stored offsets of a partition in this
// batch since this loader read them: the batch was not written, and the
// partitions must be re-read from the stored offsets.
var ErrOffsetConflict = write.ErrOffsetConflict

// FailpointEnv names the environment variable the failpoints are read from
// when the process starts (docs/reliability.md).
const FailpointEnv = failpoint.Env
