// Package write is the last step of a message's path through the loader: it
// stores a batch in one PostgreSQL transaction (the events by binary COPY,
// the rejected messages, the senders' states and a compare-and-set of the
// Kafka offsets), retries transient errors, bisects out rows PostgreSQL
// refuses, and runs replay-rejected. Sources feed it; decode gives meaning.
package write
