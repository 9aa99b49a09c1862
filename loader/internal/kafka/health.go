package kafka

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Health is what the loader's probes ask of a running source: whether its
// consumer loop turns, how many partitions it owns, whether a broker
// answers. It is a kgo hook (kgo.WithHooks) counting open broker
// connections and noting the last response read. The zero value is a source
// not yet started.
type Health struct {
	polling      atomic.Bool  // the consumer loop runs (after the brokers answered)
	lastPoll     atomic.Int64 // unix nanoseconds of the loop's last turn
	partitions   atomic.Int64 // assigned to this member
	conns        atomic.Int64 // open broker connections
	lastResponse atomic.Int64 // unix nanoseconds of the last response read from a broker
}

// answerWithin is how recent a broker's last response must be: a member
// heartbeats every 3 s at most and its fetches return every batch wait, so
// a silent quarter minute is a broker gone (or cut off without a reset, when
// the connection still looks open).
const answerWithin = 15 * time.Second

// Polling is whether the consumer loop runs, and when it last turned.
func (h *Health) Polling() (bool, time.Time) {
	return h.polling.Load(), time.Unix(0, h.lastPoll.Load())
}

// Partitions is how many partitions are assigned to this member.
func (h *Health) Partitions() int { return int(h.partitions.Load()) }

// Reachable is whether a broker connection is open and a broker answered
// lately.
func (h *Health) Reachable() bool {
	return h.conns.Load() > 0 && time.Since(time.Unix(0, h.lastResponse.Load())) < answerWithin
}

func (h *Health) polled() {
	h.lastPoll.Store(time.Now().UnixNano())
	h.polling.Store(true)
}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (h *Health) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil {
		h.conns.Add(1)
	}
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (h *Health) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, _ int, _, _ time.Duration, err error) {
	if err == nil {
		h.lastResponse.Store(time.Now().UnixNano())
	}
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (h *Health) OnBrokerDisconnect(kgo.BrokerMetadata, net.Conn) { h.conns.Add(-1) }

// PingBrokers succeeds when one of the brokers answers a metadata request.
func PingBrokers(ctx context.Context, brokers []string, timeout time.Duration, opts ...kgo.Opt) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return cl.Ping(ctx)
}
