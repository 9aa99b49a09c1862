// Package loader is the ingestion side of analyticsdb: it reads Rasa tracker
// events from Kafka or JSONL files, decodes them into ConversationEvent rows,
// assigns each to its conversation session, and COPYs each batch into
// PostgreSQL in one transaction together with the rejected messages and the
// Kafka offsets it covers. Everything computed from the events (conversations,
// latency, escalation, CSAT, daily statistics) happens inside PostgreSQL.
//
// This package is the loader's one public face: New builds a Loader from a
// Config (DefaultConfig holds every default), and the Loader owns its
// connection pool, batch store, statistics refresher and metrics. A message
// travels through loader/internal/scan first (one pass over the JSON, and
// every reason a message can be rejected for), then loader/internal/decode
// (the event and its conversation session), then loader/internal/write (the
// batch's transaction: COPY, rejected messages, offsets). The Kafka source
// is here.
package loader
