// Package write is the third and last step of a message's path through the
// loader: it stores a batch in one PostgreSQL transaction, the decoded events
// by binary COPY, the rejected messages, the senders' session states and the
// Kafka offsets the batch covers (a compare-and-set), retrying transient
// errors and isolating rows PostgreSQL refuses. It also re-ingests rejected
// messages (replay-rejected). It does not read Kafka or files (the sources
// do) nor decide what a message means (decode does).
package write
