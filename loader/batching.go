package loader

import "time"

// BatchLimits close a batch at whichever comes first (defaults: DefaultConfig).
type BatchLimits struct {
	MaxMessages int           // at most MaxBatchMessages
	MaxBytes    int           // sum of message values
	MaxWait     time.Duration // since the batch's first message
}

// full reports whether a batch of n messages and size bytes must be written.
func (l BatchLimits) full(n, size int) bool {
	return n >= l.MaxMessages || size >= l.MaxBytes
}
