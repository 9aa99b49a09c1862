package loader

import (
	"context"
	"strings"
	"testing"
)

func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", 3<<20) // longer than the reader's buffer
	in := "first\r\n\n  \nsecond\n" + long + "\nlast-without-newline"
	out := make(chan Message, 10)
	var blank int64
	if err := readLines(context.Background(), "f.jsonl", strings.NewReader(in), out, &blank); err != nil {
		t.Fatal(err)
	}
	close(out)
	var got []Message
	for m := range out {
		got = append(got, m)
	}
	want := []struct {
		value string
		line  int64
	}{{"first", 1}, {"second", 4}, {long, 5}, {"last-without-newline", 6}}
	if len(got) != len(want) || blank != 2 {
		t.Fatalf("%d messages and %d blank lines, want %d and 2", len(got), blank, len(want))
	}
	for i, w := range want {
		if string(got[i].Value) != w.value || got[i].Pos.Line != w.line || got[i].Pos.File != "f.jsonl" {
			t.Errorf("message %d: line %d, %d bytes; want line %d, %d bytes", i, got[i].Pos.Line, len(got[i].Value), w.line, len(w.value))
		}
	}
}
