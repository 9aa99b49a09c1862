// Package traffic generates realistic, reproducible streams of Rasa tracker
// events exactly as Rasa's Kafka event broker publishes them to the
// rasa-events topic: one Python json.dumps object per message, keyed by
// sender id, with the RASA_ENVIRONMENT header.
//
// It exists to feed demos, dashboards and benchmarks of the analytics
// database without a running Rasa: senders of two CALM assistants talk over
// several channels in multi-session trackers, start and finish flows,
// digress, cancel, correct slots, escalate to humans, answer (or ignore) the
// CSAT question, and occasionally trigger every other event Rasa emits. Rasa
// before and after 3.16 (session_id, model_name, user_id, session_ended)
// are mixed, and producer retries and malformed messages can be added.
//
// The same Config always yields byte-identical output. Generation is
// streaming and allocation-free in the steady state (several million events
// per second on one core), with memory bounded by Config.Concurrency.
package traffic
