package main

import "github.com/urfave/cli/v2"

func notYet(name string) *cli.Command {
	return &cli.Command{Name: name, Hidden: true, Action: func(*cli.Context) error { return cli.Exit(name+": not implemented yet", 2) }}
}

func demoCommand() *cli.Command           { return notYet("demo") }
func replayRejectedCommand() *cli.Command { return notYet("replay-rejected") }
func generateCommand() *cli.Command       { return notYet("generate") }
func benchCommand() *cli.Command          { return notYet("bench") }
