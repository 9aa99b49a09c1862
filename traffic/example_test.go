package traffic_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/openrasa/analyticsdb/traffic"
)

// Print the first messages of the default stream: the key is the sender
// id, the value the event as Rasa's Kafka broker writes it. Returning an
// error from emit stops the generator.
func Example() {
	done := errors.New("done")
	n := 0
	_, err := traffic.Generate(context.Background(), traffic.DefaultConfig(), func(m traffic.Message) error {
		fmt.Printf("key=%s %s=%s time=%s\n%s\n", m.Key, m.Headers[0].Key, m.Headers[0].Value, m.Time.Format("2006-01-02T15:04:05.000000"), m.Value)
		if n++; n == 3 {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		log.Fatal(err)
	}
	// Output:
	// key=e50d604592f5a231526adcd0171a7b06 RASA_ENVIRONMENT=production time=2024-11-04T00:36:47.747861
	// {"sender_id": "e50d604592f5a231526adcd0171a7b06", "event": "action", "timestamp": 1730680607.747861, "metadata": {"model_id": "9431d06a6f84806da87c4d3c50ea3179", "assistant_id": "acme-insurance"}, "name": "action_session_start", "policy": null, "confidence": 1.0, "action_text": null, "hide_rule_turn": false}
	// key=e50d604592f5a231526adcd0171a7b06 RASA_ENVIRONMENT=production time=2024-11-04T00:36:47.750655
	// {"sender_id": "e50d604592f5a231526adcd0171a7b06", "event": "session_started", "timestamp": 1730680607.750655, "metadata": {"model_id": "9431d06a6f84806da87c4d3c50ea3179", "assistant_id": "acme-insurance"}}
	// key=e50d604592f5a231526adcd0171a7b06 RASA_ENVIRONMENT=production time=2024-11-04T00:36:47.766238
	// {"sender_id": "e50d604592f5a231526adcd0171a7b06", "event": "action", "timestamp": 1730680607.766238, "metadata": {"model_id": "9431d06a6f84806da87c4d3c50ea3179", "assistant_id": "acme-insurance"}, "name": "action_listen", "policy": null, "confidence": null, "action_text": null, "hide_rule_turn": false}
}
