package loader

import "time"

// BatchLimits close a batch at whichever comes first.
type BatchLimits struct {
	MaxMessages int           // default 5000
	MaxBytes    int           // sum of message values; default 16 MiB
	MaxWait     time.Duration // since the batch's first message; default 250 ms
}

func (l BatchLimits) withDefaults() BatchLimits {
	if l.MaxMessages <= 0 {
		l.MaxMessages = 5000
	}
	l.MaxMessages = min(l.MaxMessages, MaxBatchMessages)
	if l.MaxBytes <= 0 {
		l.MaxBytes = 16 << 20
	}
	if l.MaxWait <= 0 {
		l.MaxWait = 250 * time.Millisecond
	}
	return l
}

// full reports whether a batch of n messages and size bytes must be written.
func (l BatchLimits) full(n, size int) bool {
	return n >= l.MaxMessages || size >= l.MaxBytes
}
