// Package loader is the ingestion side of analyticsdb: it reads Rasa tracker
// events from Kafka or JSONL files, decodes them into ConversationEvent rows,
// assigns each to its conversation session, and COPYs each batch into
// PostgreSQL in one transaction together with the rejected messages and the
// Kafka offsets it covers. Everything computed from the events (conversations,
// latency, escalation, CSAT, daily statistics) happens inside PostgreSQL.
//
// This package is the loader's one public face: New builds a Loader from a
// Config (DefaultConfig holds every default), and the Loader owns its
// connection pool, statistics refresher and metrics and wires the packages
// below; the JSONL source (file.go) and Status are here too. A message reads
// forward through them:
//
//   - loader/internal/kafka: the consumer group member, its lanes, client
//     options and lag; it batches what it polls and hands the batches on.
//   - loader/internal/scan: one pass over the JSON, and every reason a
//     message can be rejected for.
//   - loader/internal/decode: the event and its conversation session.
//   - loader/internal/write: the batch's transaction: COPY, rejected
//     messages, sender states, offsets; retries and replay-rejected.
//
// loader/internal/failpoint holds the crash points the reliability tests use.
package loader
