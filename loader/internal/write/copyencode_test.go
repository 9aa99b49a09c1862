package write

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/openrasa/analyticsdb/loader/internal/decode"
)

// The COPY input is the header, every event's tuple in order and the
// trailer, however the reader is read: in one go, byte by byte, or across
// chunk boundaries.
func TestRowReaderStreamsTheWholeCopyInput(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "decode", "testdata", "events", "*.json"))
	d := decode.Decoder{Types: decode.NewEventTypes(fuzzLabels)}
	var events []*decode.Event
	for range 40 { // more than one chunk
		for i, f := range files {
			value, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := d.Decode(&decode.Message{Value: bytes.TrimSpace(value)})
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			e.SequenceNumber = int64(len(events))
			e.ConversationID[0] = byte(i)
			events = append(events, e)
		}
	}
	want := append([]byte(nil), copyHeader...)
	for _, e := range events {
		tuple := encodeRow(nil, e)
		checkTuple(t, tuple)
		want = append(want, tuple...)
	}
	want = append(want, copyTrailer...)
	if len(want) < 2*rowChunkBytes {
		t.Fatalf("test input of %d bytes does not span chunks", len(want))
	}

	for name, r := range map[string]io.Reader{
		"whole":        newRowReader(events),
		"byte by byte": iotest.OneByteReader(newRowReader(events)),
		"odd sizes":    iotest.HalfReader(newRowReader(events)),
	} {
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes, want %d identical to the tuples", name, len(got), len(want))
		}
	}
	if err := iotest.TestReader(newRowReader(events), want); err != nil {
		t.Error(err)
	}
	if got, _ := io.ReadAll(newRowReader(nil)); !bytes.Equal(got, append(append([]byte(nil), copyHeader...), copyTrailer...)) {
		t.Errorf("no events: got %q", got)
	}
}
