package write

import (
	"errors"
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/scan"
)

// BatchLimits close a batch at whichever comes first.
type BatchLimits struct {
	MaxMessages int           // at most MaxBatchMessages
	MaxBytes    int           // sum of message values
	MaxWait     time.Duration // since the batch's first message
}

// Full reports whether a batch of n messages and size bytes must be written.
func (l BatchLimits) Full(n, size int) bool {
	return n >= l.MaxMessages || size >= l.MaxBytes
}

// MaxBatchMessages bounds a batch: each message's sequence number is its batch
// block times 2^20 plus its position in the batch.
const MaxBatchMessages = 1<<20 - 1

// Batch is a run of messages in stream order, with the Kafka offsets it covers.
type Batch struct {
	Messages []decode.Message
	Offsets  []OffsetUpdate
}

// OffsetUpdate moves one partition's stored next offset from Expected (what
// this loader read at assignment or last wrote; NoStoredOffset when the
// partition had none) to Next.
type OffsetUpdate struct {
	Topic     string
	Partition int32
	Expected  int64
	Next      int64
}

// NoStoredOffset is OffsetUpdate.Expected for a partition with no stored offset.
const NoStoredOffset = -1

// ErrOffsetConflict means another loader stored offsets of a partition in this
// batch since this loader read them: the batch was not written, and the
// partitions must be re-read from the stored offsets.
var ErrOffsetConflict = errors.New("stored Kafka offsets moved: another loader owns these partitions now")

// Result is what a batch write did.
type Result struct {
	Messages   int
	Stored     int
	Duplicates int                 // exact duplicates of stored or earlier messages, dropped
	Rejected   map[scan.Reason]int // by reason
	Elapsed    time.Duration
}

// RejectedTotal is the number of rejected messages.
func (r Result) RejectedTotal() int {
	n := 0
	for _, c := range r.Rejected {
		n += c
	}
	return n
}
