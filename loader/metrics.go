package loader

import (
	"sync"
	"time"
)

// Metrics counts what the loader did; the zero value is ready and a nil
// *Metrics ignores everything. Exposition lives with the HTTP server.
type Metrics struct {
	mu              sync.Mutex
	Batches         int64
	BatchRetries    int64
	BatchFailures   int64
	Messages        int64
	EventsStored    int64
	Duplicates      int64
	Rejected        map[string]int64
	BatchSeconds    float64 // sum of batch write durations
	LastBatchAt     time.Time
	LastBatchLength time.Duration
}

func (m *Metrics) batchStored(r Result) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Batches++
	m.Messages += int64(r.Messages)
	m.EventsStored += int64(r.Stored)
	m.Duplicates += int64(r.Duplicates)
	if m.Rejected == nil {
		m.Rejected = map[string]int64{}
	}
	for reason, n := range r.Rejected {
		m.Rejected[string(reason)] += int64(n)
	}
	m.BatchSeconds += r.Elapsed.Seconds()
	m.LastBatchAt = time.Now()
	m.LastBatchLength = r.Elapsed
}

func (m *Metrics) batchRetried() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.BatchRetries++
	m.mu.Unlock()
}

func (m *Metrics) batchFailed() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.BatchFailures++
	m.mu.Unlock()
}
