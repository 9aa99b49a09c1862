package pgserver

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// managedSettings are set by pgserver itself because its URLs depend on them.
var managedSettings = []string{"listen_addresses", "port", "unix_socket_directories"}

// serverSettings merges the defaults, the Options fields and Options.Settings.
func serverSettings(opts Options) (map[string]string, error) {
	maxConns := opts.MaxConnections
	if maxConns == 0 {
		maxConns = DefaultMaxConnections
	}
	if maxConns < 0 {
		return nil, fmt.Errorf("pgserver: Options.MaxConnections is %d, want > 0", maxConns)
	}
	sharedBuffers := opts.SharedBuffers
	if sharedBuffers == "" {
		sharedBuffers = DefaultSharedBuffers
	}
	s := map[string]string{
		// Throw-away data: durability buys nothing, speed does.
		"fsync":              "off",
		"synchronous_commit": "off",
		"full_page_writes":   "off",
		"max_connections":    strconv.Itoa(maxConns),
		"shared_buffers":     sharedBuffers,
	}
	for name, value := range opts.Settings {
		if slices.Contains(managedSettings, name) {
			return nil, fmt.Errorf("pgserver: Options.Settings may not set %s: pgserver manages %v", name, managedSettings)
		}
		s[name] = value
	}
	return s, nil
}

// settingArgs renders settings as `-c name=value` arguments of postgres, in
// name order so that a command line is reproducible.
func settingArgs(settings map[string]string) []string {
	var args []string
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", name+"="+settings[name])
	}
	return args
}
