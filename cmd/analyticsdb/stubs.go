package main

import "github.com/urfave/cli/v2"

func notYet(name string) *cli.Command {
	return &cli.Command{Name: name, Hidden: true, Action: func(*cli.Context) error { return cli.Exit(name+": not implemented yet", 2) }}
}

func replayRejectedCommand() *cli.Command { return notYet("replay-rejected") }
