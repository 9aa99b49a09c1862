package loader

import "sync"

// senderCache remembers sender states between batches so the database is
// asked only for senders not seen recently. It is dropped whenever partitions
// move, because another loader may have moved a sender's stream on meanwhile.
type senderCache struct {
	mu     sync.Mutex
	states map[string]senderState
	max    int
	epoch  int64 // analytics.sender_session_epoch when the states were read
}

func newSenderCache(max int) *senderCache {
	return &senderCache{states: map[string]senderState{}, max: max}
}

// snapshot copies the cached states of the given senders into into.
func (c *senderCache) snapshot(senders []string, into map[string]senderState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range senders {
		if st, ok := c.states[s]; ok {
			into[s] = st
		}
	}
}

// store records committed states, evicting arbitrary entries beyond max.
func (c *senderCache) store(states map[string]senderState) {
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

func (c *senderCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.states)
}

// syncEpoch drops every state when sessions were re-derived since they were
// read (replay-rejected moves analytics.sender_session_epoch on).
func (c *senderCache) syncEpoch(epoch int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		clear(c.states)
		c.epoch = epoch
	}
}
