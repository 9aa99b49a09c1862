package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func replayRejectedCommand() *cli.Command {
	return &cli.Command{
		Name: "replay-rejected",
		Usage: "store the rejected messages the database now accepts (after a migration added support), " +
			"in their original stream positions, re-deriving their senders' sessions",
		Flags: withFlags(databaseFlags(), loaderFlags(), logFlags(), []cli.Flag{
			&cli.IntFlag{Name: "chunk", EnvVars: []string{"REPLAY_CHUNK"}, Value: 1000, Usage: "rejected messages per transaction"},
		}),
		Action: func(c *cli.Context) error {
			url, err := requireDatabaseURL(c)
			if err != nil {
				return err
			}
			log := logger(c)
			l, err := openLoader(c, url, log)
			if err != nil {
				return err
			}
			defer l.close()
			totals, err := l.store.ReplayRejected(c.Context, c.Int("chunk"))
			if err != nil {
				return err
			}
			if _, err := l.refresher.RefreshOnce(c.Context, true); err != nil {
				return fmt.Errorf("refresh statistics: %w", err)
			}
			fmt.Printf("rejected messages: %d examined, %d stored, %d already stored, %d still rejected; %d conversations rebuilt\n",
				totals.Examined, totals.Stored, totals.Duplicates, totals.StillRejected, totals.Rebuilt)
			return nil
		},
	}
}
