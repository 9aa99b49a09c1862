package bench

import (
	"context"
	"net/url"
	"sync/atomic"

	"github.com/openrasa/analyticsdb/traffic"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produce generates a stream into a topic and returns how many messages it wrote.
func produce(ctx context.Context, brokers []string, topic string, cfg traffic.Config) (int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var failed atomic.Value
	n := 0
	_, err = traffic.Generate(ctx, cfg, func(m traffic.Message) error {
		r := &kgo.Record{Key: clone(m.Key), Value: clone(m.Value)}
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

// withDatabase points a server URL at another database.
func withDatabase(serverURL, name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return serverURL
	}
	u.Path = "/" + name
	return u.String()
}
