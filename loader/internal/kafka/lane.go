package kafka

import (
	"time"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/write"
)

// lane is one of a Source's writers: the batch it is filling and the
// pipeline writing its previous ones, on a connection of its own. A partition
// stays in one lane while any of its messages are held or being written, so
// its batches commit in order; lanes commit in parallel, which lets one loader
// use more than one database core (the COPY and its triggers run in one
// backend per transaction).
type lane struct {
	pl      *write.Pipeline
	batch   write.Batch
	size    int       // bytes of message values in batch
	started time.Time // when batch got its first message
}

// add appends a message to the lane's batch.
func (l *lane) add(m decode.Message, now time.Time) {
	if len(l.batch.Messages) == 0 {
		l.started = now
	}
	l.batch.Messages = append(l.batch.Messages, m)
	l.size += len(m.Value)
}

// due reports whether the lane's batch must be written now.
func (l *lane) due(limits write.BatchLimits, now time.Time) bool {
	n := len(l.batch.Messages)
	return n > 0 && (limits.Full(n, l.size) || !now.Before(l.started.Add(limits.MaxWait)))
}

// lanes routes partitions to lanes.
type lanes struct {
	all    []*lane
	byPart map[topicPartition]*lane
}

func newLanes(n int) *lanes {
	ls := &lanes{byPart: map[topicPartition]*lane{}}
	for range max(n, 1) {
		ls.all = append(ls.all, &lane{})
	}
	return ls
}

// of returns the partition's lane, routing a new partition to the lane with
// the fewest partitions.
func (ls *lanes) of(tp topicPartition) *lane {
	if l, ok := ls.byPart[tp]; ok {
		return l
	}
	count := map[*lane]int{}
	for _, l := range ls.byPart {
		count[l]++
	}
	best := ls.all[0]
	for _, l := range ls.all[1:] {
		if count[l] < count[best] {
			best = l
		}
	}
	ls.byPart[tp] = best
	return best
}

// reroute forgets the routing; call it only when no lane holds or writes
// anything, so that no partition's batches can overtake each other.
func (ls *lanes) reroute() { clear(ls.byPart) }

// held is the number of messages in the lanes' batches.
func (ls *lanes) held() int {
	n := 0
	for _, l := range ls.all {
		n += len(l.batch.Messages)
	}
	return n
}

// mostHeld is the size of the fullest lane's batch.
func (ls *lanes) mostHeld() int {
	n := 0
	for _, l := range ls.all {
		n = max(n, len(l.batch.Messages))
	}
	return n
}

// pending is the number of batches queued or being written.
func (ls *lanes) pending() int {
	n := 0
	for _, l := range ls.all {
		n += l.pl.Pending()
	}
	return n
}

// firstStarted is when the oldest held batch got its first message.
func (ls *lanes) firstStarted() (time.Time, bool) {
	var first time.Time
	found := false
	for _, l := range ls.all {
		if len(l.batch.Messages) > 0 && (!found || l.started.Before(first)) {
			first, found = l.started, true
		}
	}
	return first, found
}

// drop removes the messages of the given partitions from every held batch.
func (ls *lanes) drop(parts map[topicPartition]bool) {
	for _, l := range ls.all {
		l.batch.Messages, l.size = withoutPartitions(l.batch.Messages, parts)
	}
}
