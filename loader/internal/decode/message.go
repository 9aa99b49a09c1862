package decode

import (
	"fmt"
	"path/filepath"
)

// Message is one input message: a Kafka record or a line of a JSONL file.
type Message struct {
	Key     []byte
	Value   []byte
	Headers []Header
	Pos     Position
}

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Position says where a message came from: a Kafka topic, partition and
// offset, or a file and line.
type Position struct {
	Topic     string
	Partition int32
	Offset    int64
	File      string
	Line      int64
}

func (p Position) String() string {
	if p.File != "" {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s/%d@%d", p.Topic, p.Partition, p.Offset)
}

// Identity is the part of a position that names the message stably across
// replays: the topic, partition and offset, or the file's base name and line.
func (p Position) Identity() string {
	if p.File != "" {
		return fmt.Sprintf("%s:%d", filepath.Base(p.File), p.Line)
	}
	return p.String()
}

// environmentHeader is the header Rasa's Kafka broker sets on every message.
const (
	environmentHeader = "RASA_ENVIRONMENT"
	environmentNotSet = "RASA_ENVIRONMENT_NOT_SET"
)

func (m *Message) header(key string) ([]byte, bool) {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return m.Headers[i].Value, true
		}
	}
	return nil, false
}
