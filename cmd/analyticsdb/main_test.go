package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/openrasa/analyticsdb/loader"
	"github.com/urfave/cli/v2"
)

// TestExitRedacts: exit is where every command's error becomes output,
// cli.Exit's included (urfave/cli would otherwise print those itself).
func TestExitRedacts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("connect: %w", errors.New(`parse "postgres://x:s3cret@[::1": missing ']'`)), 1,
			"analyticsdb: connect: parse \"postgres://x:xxxxx@[::1\": missing ']'\n"},
		{cli.Exit("bad postgres://studio:p@ss#w0rd@127.0.0.1:1/studio", 2), 2,
			"bad postgres://studio:xxxxx@127.0.0.1:1/studio\n"},
		{cli.Exit("", 3), 3, ""},
	} {
		var out strings.Builder
		if code := exit(&out, tc.err); code != tc.code || out.String() != tc.want {
			t.Errorf("exit(%v) = %d, printed %q; want %d, %q", tc.err, code, out.String(), tc.code, tc.want)
		}
	}
}

// TestStatusRedacts: status prints what the database and Kafka say, redacted.
func TestStatusRedacts(t *testing.T) {
	st := loader.Status{Partitions: []loader.PartitionStatus{{Topic: "t", ConsumerGroup: "postgres://u:s3cret@h/db", EndOffset: -1}}}
	var out strings.Builder
	if err := printStatus(&out, st, "lag unknown: dial postgres://u:s3cret2@[::1"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "postgres://u:xxxxx@h/db") {
		t.Errorf("status shows a password, or lost the group:\n%s", out.String())
	}
}

func TestVersionNamesTheReleaseAndGo(t *testing.T) {
	if v := buildVersion(); !strings.HasSuffix(v, runtime.Version()) {
		t.Errorf("version %q does not end with the Go version", v)
	}
	version = "v9.9.9"
	defer func() { version = "" }()
	if v := buildVersion(); !strings.HasPrefix(v, "v9.9.9") {
		t.Errorf("version %q ignores the release version set at build time", v)
	}
}
