package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"
)

// Exit codes (docs/operations.md, "Exit codes"): 0 done, 1 the work failed
// (the database, Kafka or a file said no), 2 the command line or the
// settings are wrong, before anything was done. Other errors exit 1 (exit).
const exitUsage = 2

// usagef is a usage mistake: one line naming it and where the help is, and
// exit code 2, instead of urfave/cli's whole help page (or its code 1 or 3).
func usagef(c *cli.Context, format string, args ...any) error {
	name := "analyticsdb"
	if c != nil && c.Command != nil && c.Command.HelpName != "" {
		name = c.Command.HelpName
	}
	return cli.Exit(fmt.Sprintf("%s: %s\nsee `%s --help`", name, fmt.Sprintf(format, args...), name), exitUsage)
}

// checkUsage makes every command report usage mistakes through usagef:
// flags that do not parse (unknown, or a bad value on the command line or in
// the environment), required flags not given, arguments a command does not
// take, and a --log-format other than text or json. Unknown commands are
// reported by the App's CommandNotFound (see newApp).
func checkUsage(cmd *cli.Command) {
	cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return usagef(c, "%v", err) }
	for _, sub := range cmd.Subcommands {
		checkUsage(sub)
	}
	if len(cmd.Subcommands) > 0 {
		return
	}
	// urfave/cli answers a missing required flag with the whole help page
	// and code 1: the check moves into Before.
	var required []string
	for _, f := range cmd.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Required {
			sf.Required = false
			sf.Usage += " (required)"
			required = append(required, sf.Name)
		}
	}
	before := cmd.Before
	cmd.Before = func(c *cli.Context) error {
		if cmd.ArgsUsage == "" && c.NArg() > 0 {
			return usagef(c, "unexpected argument %q (flags go before arguments)", c.Args().First())
		}
		for _, name := range required {
			if c.String(name) == "" {
				return usagef(c, "--%s is required", name)
			}
		}
		if lookupFlag(cmd.Flags, "log-format") != nil && !slices.Contains([]string{"text", "json"}, c.String("log-format")) {
			return usagef(c, "--log-format %q: want text or json", c.String("log-format"))
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}

func lookupFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}
