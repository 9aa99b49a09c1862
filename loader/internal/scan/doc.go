// Package scan is the first step of a message's path through the loader: it
// checks a Kafka message value in a single pass, as one JSON object that
// PostgreSQL jsonb accepts as text input, replaces Python's bare
// NaN/Infinity/-Infinity with null on the way (json.dumps writes them;
// jsonb refuses them) and cuts out the top-level members, so the decoder
// never parses a message twice.
//
// It owns the whole reject vocabulary (reject.go): every Reason a message
// can be refused for, the scanner's and the decoder's alike, and the Error
// that carries it into the RejectedEvent table.
package scan
