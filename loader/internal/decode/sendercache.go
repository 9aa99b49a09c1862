package decode

import "sync"

// SenderCache remembers sender states between batches so the database is
// asked only for senders not seen recently. It is dropped whenever partitions
// move, because another loader may have moved a sender's stream on meanwhile.
type SenderCache struct {
	mu     sync.Mutex
	states map[string]SenderState
	max    int
	epoch  int64 // analytics.sender_session_epoch when the states were read
}

// NewSenderCache keeps at most max senders' states.
func NewSenderCache(max int) *SenderCache {
	return &SenderCache{states: map[string]SenderState{}, max: max}
}

// snapshot copies the cached states of the given senders into into.
func (c *SenderCache) snapshot(senders []string, into map[string]SenderState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range senders {
		if st, ok := c.states[s]; ok {
			into[s] = st
		}
	}
}

// Store records committed states, evicting arbitrary entries beyond max.
func (c *SenderCache) Store(states map[string]SenderState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s, st := range states {
		c.states[s] = st
	}
	for s := range c.states {
		if len(c.states) <= c.max {
			break
		}
		delete(c.states, s)
	}
}

// Clear drops every state.
func (c *SenderCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.states)
}

// SyncEpoch drops every state when sessions were re-derived since they were
// read (replay-rejected moves analytics.sender_session_epoch on).
func (c *SenderCache) SyncEpoch(epoch int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		clear(c.states)
		c.epoch = epoch
	}
}
