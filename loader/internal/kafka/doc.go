// Package kafka is the loader's Kafka source: a member of the consumer group
// that seeks each assigned partition to the offset stored in PostgreSQL,
// routes partitions to lanes (one pipeline, one connection each), batches
// what it polls, hands the batches to write, and moves on or re-reads on
// their outcome. It also holds the client's TLS and SASL options and asks the
// brokers for end offsets (lag). It does not decode or write messages.
package kafka
