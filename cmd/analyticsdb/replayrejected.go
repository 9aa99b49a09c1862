package main

import (
	"fmt"
	"log/slog"

	"github.com/openrasa/analyticsdb/loader"

	"github.com/urfave/cli/v2"
)

func replayRejectedCommand() *cli.Command {
	return &cli.Command{
		Name: "replay-rejected",
		Usage: "store the rejected messages the database now accepts (after a migration added support), " +
			"in their original stream positions, re-deriving their senders' sessions",
		Flags: withFlags(databaseFlags(), loaderFlags(), logFlags(), []cli.Flag{
			&cli.IntFlag{Name: "chunk", EnvVars: []string{"REPLAY_CHUNK"}, Value: loader.DefaultConfig().ReplayChunk, Usage: "rejected messages per transaction"},
		}),
		Action: loaderAction(logger, nil, func(c *cli.Context, l *loader.Loader, _ *slog.Logger) error {
			totals, err := l.ReplayRejected(c.Context)
			if err != nil {
				return err
			}
			fmt.Printf("rejected messages: %d examined, %d stored, %d already stored, %d still rejected; %d conversations rebuilt\n",
				totals.Examined, totals.Stored, totals.Duplicates, totals.StillRejected, totals.Rebuilt)
			return nil
		}),
	}
}
