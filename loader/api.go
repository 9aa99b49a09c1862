package loader

import (
	"github.com/openrasa/analyticsdb/loader/internal/decode"
	"github.com/openrasa/analyticsdb/loader/internal/failpoint"
)

// The public API's types live with their job in the internal packages; these
// names make them the loader's own.
type (
	// Message is one input message: a Kafka record or a line of a JSONL file.
	Message = decode.Message
	// Header is a Kafka record header.
	Header = decode.Header
	// Position says where a message came from: a Kafka topic, partition and
	// offset, or a file and line.
	Position = decode.Position
)

// FailpointEnv names the environment variable the failpoints are read from
// when the process starts (docs/reliability.md).
const FailpointEnv = failpoint.Env
