// Package decode is the second step of a message's path through the loader:
// it turns a scanned message into an Event, a ConversationEvent row with
// deterministic ids, and assigns each event to its conversation session
// (session.go), keeping each sender's session state between batches in
// memory and in analytics."SenderSession". It rejects with scan's
// vocabulary; it does not write events, offsets or rejected messages (write
// does).
package decode
