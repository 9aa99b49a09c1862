package bench

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/url"
	"sync/atomic"

	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produce generates a stream into a topic and returns how many messages it
// wrote; with padBytes > 0 every event gets a top-level field of that many
// bytes (padded).
func produce(ctx context.Context, brokers []string, topic string, cfg traffic.Config, padBytes int) (int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var failed atomic.Value
	n := 0
	pad := padder{n: padBytes, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0))}
	_, err = traffic.Generate(ctx, cfg, func(m traffic.Message) error {
		r := &kgo.Record{Key: clone(m.Key), Value: pad.padded(m.Value)}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: clone(h.Value)})
		}
		n++
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, err)
			}
		})
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	if e := failed.Load(); e != nil {
		return 0, e.(error)
	}
	return n, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// eventStart is how every well-formed generated event begins.
var eventStart = []byte(`{"sender_id": `)

// padder pads events with a top-level "bench_padding" field of n random
// letters, which the loader keeps in rawData as it keeps a real event's large
// parse_data. Random, so that Kafka's compression does not shrink it away:
// the batches then hold as many bytes as the topic carries.
type padder struct {
	n   int
	rng *rand.Rand
}

// padded copies an event with its padding; malformed messages, and any value
// when n is 0, are copied as they are, so they are rejected for the same
// reasons.
func (p padder) padded(value []byte) []byte {
	if p.n <= 0 || !bytes.HasPrefix(value, eventStart) {
		return clone(value)
	}
	out := make([]byte, 0, len(value)+p.n+len(`"bench_padding": "", `))
	out = append(out, `{"bench_padding": "`...)
	for range p.n {
		out = append(out, byte('a'+p.rng.IntN(26)))
	}
	out = append(out, `", `...)
	return append(out, value[1:]...)
}

// withDatabase points a server URL at another database.
func withDatabase(serverURL, name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return serverURL
	}
	u.Path = "/" + name
	return u.String()
}
