package traffic

import (
	"errors"
	"fmt"
	"time"
)

// Config controls a generated stream. Start from DefaultConfig and change what
// you need: Generate takes zero rates and shares literally (0 means none) and
// only fills in Events, Start, Days, Assistants, SessionsPerSender,
// Environment and Concurrency when they are zero.
type Config struct {
	// Seed selects the stream: the same Config always yields byte-identical
	// output; another seed yields other senders, texts and timings.
	Seed int64
	// Events is the approximate number of events to emit, duplicates and bad
	// messages not included. No new session starts once the count is reached
	// (or is about to be reached by the conversations in flight); sessions in
	// flight run to their end, so the stream overshoots by a few sessions.
	Events int
	// Start is the earliest session start (UTC); sessions arrive over Days
	// days with a daily rhythm (busy afternoons, quiet nights, calmer weekends).
	Start time.Time
	Days  int
	// Assistants to simulate; nil means DefaultAssistants(Start).
	Assistants []Assistant
	// SessionsPerSender is the distribution of sessions per sender (a
	// multi-session tracker): element i is the relative weight of i+1
	// sessions. Default {70, 20, 7, 3}. Later sessions follow after gaps of
	// twenty minutes to a few days.
	SessionsPerSender []float64
	// Rasa316Share is the fraction of senders served by Rasa Pro >= 3.16: their
	// events carry metadata.session_id (a uuid4 per session) and
	// metadata.model_name, a top-level user_id, and their sessions end with
	// session_ended or conversation_inactive. Older senders have none of these.
	Rasa316Share float64
	// DuplicateRate is the fraction of messages emitted twice in a row
	// (a producer retry): same key, value and headers.
	DuplicateRate float64
	// BadRate adds this fraction of extra malformed messages next to real
	// ones: not JSON, JSON that is not an object, a missing or null
	// sender_id/event/timestamp, unknown event type "foo_bar", a timestamp
	// that is a string or NaN, a text holding \u0000.
	BadRate float64
	// QuirkRate is the fraction of user events carrying oddities Rasa really
	// sends and the loader must store (docs/decisions.md, "Input and decoding"): Python's bare NaN/Infinity/
	// -Infinity as the intent confidence, or an intent id beyond 2^53.
	QuirkRate float64
	// Environment is the RASA_ENVIRONMENT header value; default "production".
	// Use "RASA_ENVIRONMENT_NOT_SET" to mimic Rasa without the variable.
	Environment string
	// Concurrency is how many conversations are in progress at once in the
	// output at the busiest hour of the day (default 50; fewer at quiet
	// hours, following the daily rhythm): their events interleave the way
	// simultaneous chats do, while each sender's own events stay in order.
	// Conversations are admitted in the order of their real start times and
	// replayed side by side, so at low traffic the stream is only roughly
	// time-ordered: with the defaults (100,000 events over 7 days) the
	// timestamps within a window of a few hundred messages span a few hours,
	// as when a consumer reads several Kafka partitions at different lags.
	// A sender waiting more than two minutes (a slow user, a session timing
	// out, its next session) leaves the set and comes back in real-time
	// order. Memory is proportional to Concurrency.
	Concurrency int
	// TimeOrdered emits strictly in timestamp order instead: conversations
	// then interleave only as much as they overlap in time (a few at once at
	// the default traffic level) and Concurrency is only an upper bound.
	TimeOrdered bool
}

// Assistant describes one simulated Rasa CALM assistant.
type Assistant struct {
	// Name is sent as metadata.assistant_id.
	Name string
	// Weight is the assistant's relative share of senders (default 1).
	Weight float64
	// Models are the trained versions in rollout order.
	Models []Model
	// Channels are the input channels and their shares of senders.
	Channels []Channel
	// Flows are the business flows; patterns (pattern_collect_information,
	// pattern_completed, pattern_search, pattern_chitchat, pattern_cancel_flow,
	// pattern_correction, pattern_human_handoff, ...) are built in.
	Flows []Flow
	// Knowledge holds the questions pattern_search answers.
	Knowledge []QA
	// Greeting is the utter_greet text.
	Greeting string
	// CSATScale makes pattern_customer_satisfaction ask for a 1-5 rating
	// (csat_score 1..5) instead of satisfied/unsatisfied.
	CSATScale bool
	// HandoffConfirm overrides pattern_human_handoff the way the Rasa docs
	// recipe does: collect confirm_human_handoff, then the custom
	// action_human_handoff (plus action_handoff_metric on 3.16+). Without it
	// the 3.16 default pattern runs action_handoff_metric and
	// utter_human_handoff_not_available (before 3.16: only the utterance).
	HandoffConfirm bool
}

// Model is one trained model version.
type Model struct {
	// ID is metadata.model_id (uuid4 hex in Rasa).
	ID string
	// Name is metadata.model_name (Rasa >= 3.16), e.g. "20241104-180409-gentle-archive".
	Name string
	// From is the point of the Days window (0..1) from which this model
	// serves new sessions; sessions in the six hours after it may still get
	// the previous model (a rolling deployment).
	From float64
}

// Channel is an input channel name (rest, socketio, slack, twilio, facebook,
// telegram, audiocodes, ...) and its relative share of senders.
type Channel struct {
	Name   string
	Weight float64
}

// Flow is a CALM business flow: the user starts it with one of Triggers, the
// assistant collects Slots one by one through pattern_collect_information,
// runs Action and utters Response.
type Flow struct {
	// ID is the flow id, lower_snake_case.
	ID     string
	Weight float64
	// Triggers are user messages that start the flow.
	Triggers []string
	Slots    []Slot
	// Action is the custom action run once the slots are filled.
	Action string
	// Response (utter_* name) and ResponseText end the flow.
	Response     string
	ResponseText string
	// Handoff marks a flow that hands the user to a human agent
	// (action_human_handoff): it counts as an escalation.
	Handoff bool
	// Agent names a sub-agent the flow calls (Rasa >= 3.16 only): the flow
	// emits agent_started, the agent's AgentIntro, the AgentTurns exchanges
	// (user message, agent reply) and agent_completed.
	Agent      string
	AgentIntro string
	AgentTurns []QA
}

// Slot is a slot a flow collects, the question asking for it and the
// possible user answers.
type Slot struct {
	Name    string
	Ask     string
	Answers []Answer
}

// Answer is a user reply and the slot value the command generator extracts
// from it (string, bool, int or float64).
type Answer struct {
	Text  string
	Value any
}

// QA is a question and its answer.
type QA struct{ Q, A string }

// withDefaults fills zero fields and validates.
func (c Config) withDefaults() (Config, error) {
	if c.Events <= 0 {
		if c.Events < 0 {
			return c, errors.New("traffic: Events must not be negative")
		}
		c.Events = 100_000
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)
	}
	c.Start = c.Start.UTC()
	if c.Days <= 0 {
		if c.Days < 0 {
			return c, errors.New("traffic: Days must not be negative")
		}
		c.Days = 7
	}
	if c.Assistants == nil {
		c.Assistants = DefaultAssistants(c.Start)
	}
	if len(c.Assistants) == 0 {
		return c, errors.New("traffic: no assistants")
	}
	if c.SessionsPerSender == nil {
		c.SessionsPerSender = []float64{70, 20, 7, 3}
	}
	if c.Environment == "" {
		c.Environment = "production"
	}
	if c.Concurrency <= 0 {
		if c.Concurrency < 0 {
			return c, errors.New("traffic: Concurrency must not be negative")
		}
		c.Concurrency = 50
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"Rasa316Share", c.Rasa316Share}, {"DuplicateRate", c.DuplicateRate}, {"BadRate", c.BadRate}, {"QuirkRate", c.QuirkRate}} {
		if !(p.v >= 0 && p.v <= 1) {
			return c, fmt.Errorf("traffic: %s = %v, want a fraction in [0, 1]", p.name, p.v)
		}
	}
	total := 0.0
	for i, w := range c.SessionsPerSender {
		if !(w >= 0) {
			return c, fmt.Errorf("traffic: SessionsPerSender[%d] = %v, want >= 0", i, w)
		}
		total += w
	}
	if total <= 0 {
		return c, errors.New("traffic: SessionsPerSender has no positive weight")
	}
	return c, nil
}
