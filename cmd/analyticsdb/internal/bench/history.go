package bench

import (
	"context"
	"io"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/openrasa/analyticsdb/traffic"
)

// loadHistory generates the history and stores it through an in-process
// loader's file replay, as a stream: the generator writes JSON lines into a
// pipe the replay reads, so no more than a batch or two of it is ever in
// memory (through Kafka, kfake held all of it: 13 GB for 10M events). It
// returns the messages replayed.
func loadHistory(ctx context.Context, o Options, url string, cfg traffic.Config) (int, error) {
	lcfg := loader.DefaultConfig()
	lcfg.DatabaseURL = url
	lcfg.Batch.MaxMessages = o.BatchSize
	lcfg.Writers = o.Writers
	lcfg.Log = o.Log
	l, err := loader.New(ctx, lcfg)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	r, w := io.Pipe()
	go func() {
		_, err := traffic.WriteJSONL(ctx, cfg, w)
		w.CloseWithError(err)
	}()
	totals, err := l.Replay(ctx, "history", r)
	r.CloseWithError(io.ErrClosedPipe) // stops the generator if the replay failed
	return int(totals.Lines), err
}
