package main

import "github.com/urfave/cli/v2"

func notYet(name string) *cli.Command {
	return &cli.Command{Name: name, Hidden: true, Action: func(*cli.Context) error { return cli.Exit(name+": not implemented yet", 2) }}
}

func demoCommand() *cli.Command           { return notYet("demo") }
func replayRejectedCommand() *cli.Command { return notYet("replay-rejected") }
func refreshCommand() *cli.Command        { return notYet("refresh") }
func recomputeCommand() *cli.Command      { return notYet("recompute") }
func reviewCommand() *cli.Command         { return notYet("review") }
func grantReadonlyCommand() *cli.Command  { return notYet("grant-readonly") }
func statusCommand() *cli.Command         { return notYet("status") }
func generateCommand() *cli.Command       { return notYet("generate") }
func benchCommand() *cli.Command          { return notYet("bench") }
