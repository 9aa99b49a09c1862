// Package loader is the ingestion side of analyticsdb: it reads Rasa tracker
// events from Kafka or JSONL files, decodes them into ConversationEvent rows,
// assigns each to its conversation session, and COPYs each batch into
// PostgreSQL in one transaction together with the rejected messages and the
// Kafka offsets it covers. Everything computed from the events (conversations,
// latency, escalation, CSAT, daily statistics) happens inside PostgreSQL.
package loader
