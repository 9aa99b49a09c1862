// Package decode is the second step of a message's path through the loader:
// it turns a scanned message into an Event (a ConversationEvent row with
// deterministic ids) and assigns it to its conversation session, keeping each
// sender's session state between batches, in memory and in
// analytics."SenderSession". It rejects in scan's vocabulary; write stores.
package decode
