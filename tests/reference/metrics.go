package reference

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
)

func settingsOf(opts Options, assistant string) Settings {
	if s, ok := opts.Settings[assistant]; ok {
		return s
	}
	return DefaultSettings()
}

// summarize computes one session's Conversation (docs/decisions.md, "Metrics").
func summarize(s *session, opts Options) Conversation {
	c := Conversation{SessionID: s.sessionID, Events: len(s.events), SenderID: s.events[0].sender}
	c.AssistantName = opts.DefaultAssistant
	c.AssistantVersion = "unknown"
	c.ChannelName = "unknown"
	haveAssistant, haveVersion, haveChannel := false, false, false
	c.StartDate, c.LastEventAt = s.events[0].ts, s.events[0].ts
	for _, e := range s.events {
		if e.ts.Before(c.StartDate) {
			c.StartDate = e.ts
		}
		if e.ts.After(c.LastEventAt) {
			c.LastEventAt = e.ts
		}
		if a := e.metaStr("assistant_id"); a != "" && !haveAssistant {
			c.AssistantName, haveAssistant = a, true
		}
		if !haveVersion {
			if v := e.metaStr("model_name"); v != "" {
				c.AssistantVersion, haveVersion = v, true
			} else if v := e.metaStr("model_id"); v != "" {
				c.AssistantVersion, haveVersion = v, true
			}
		}
		if ch := e.field("input_channel"); e.typ == "USER" && ch != "" && !haveChannel {
			c.ChannelName, haveChannel = ch, true
		}
		if u := e.field("user_id"); u != "" && c.UserID == nil {
			c.UserID = &u
		}
	}
	set := settingsOf(opts, c.AssistantName)
	loc, err := time.LoadLocation(set.Timezone)
	if err != nil {
		loc = time.UTC
	}
	c.Day = c.StartDate.In(loc).Format("2006-01-02")

	started, completed, active := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var users, bots []time.Time
	for _, e := range s.events {
		flow := e.field("flow_id")
		switch e.typ {
		case "USER":
			if isMessage(e) {
				c.TotalNumberOfUserMessages++
				users = append(users, e.ts)
			}
		case "BOT":
			bots = append(bots, e.ts)
		case "SESSION_ENDED", "CONVERSATION_INACTIVE":
			c.Ingested = true
		case "FLOW_STARTED":
			if flow != "" {
				started[flow], active[flow] = true, true
			}
			if flow == set.CSATFlow {
				c.CSATRating = ptr("UNANSWERED")
			}
		case "FLOW_COMPLETED", "FLOW_CANCELLED":
			if flow != "" {
				active[flow] = false
				if e.typ == "FLOW_COMPLETED" {
					completed[flow] = true
				}
			}
		case "SLOT":
			if e.field("name") == set.CSATSlot {
				if rating, ok := csatClass(e.raw["value"], set); ok {
					c.CSATRating = &rating
				}
			}
		}
		escalates := (e.typ == "FLOW_STARTED" && slices.Contains(set.EscalationFlows, flow)) ||
			(e.typ == "ACTION" && slices.Contains(set.EscalationActions, e.field("name")))
		if escalates && c.EscalatedAt == nil {
			at := e.ts
			c.EscalatedAt = &at
			for f, on := range active {
				if on {
					c.FlowsActiveAtEscalation = append(c.FlowsActiveAtEscalation, f)
				}
			}
		}
	}
	c.FlowsStarted, c.FlowsCompleted = keys(started), keys(completed)
	sort.Strings(c.FlowsActiveAtEscalation)
	c.LatencySamplesMs = latency(users, bots)
	return c
}

// isMessage: not the channel's session-start trigger, not an external event.
func isMessage(e event) bool {
	if e.field("text") == "/session_start" {
		return false
	}
	var parse struct {
		Commands []map[string]any `json:"commands"`
	}
	_ = json.Unmarshal(e.raw["parse_data"], &parse)
	for _, cmd := range parse.Commands {
		if cmd["command"] == "session start" {
			return false
		}
	}
	return string(e.meta["is_external"]) != "true"
}

// csatClass classifies a CSAT slot value; false for a null value (no signal).
func csatClass(raw json.RawMessage, set Settings) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	text := string(raw)
	if s, ok := str(raw); ok {
		text = s
	}
	text = strings.ToLower(text)
	switch {
	case slices.Contains(set.Satisfied, text):
		return "SATISFIED", true
	case slices.Contains(set.Unsatisfied, text):
		return "UNSATISFIED", true
	}
	return "UNANSWERED", true
}

// latency: per user message, ms to the first bot message at or after it.
func latency(users, bots []time.Time) []float64 {
	sort.Slice(users, func(i, j int) bool { return users[i].Before(users[j]) })
	var out []float64
	for _, u := range users {
		var first *time.Time
		for i := range bots {
			if !bots[i].Before(u) && (first == nil || bots[i].Before(*first)) {
				first = &bots[i]
			}
		}
		if first != nil {
			out = append(out, float64(first.Sub(u).Microseconds())/1000)
		}
	}
	return out
}

func versionStats(convs []Conversation, opts Options) []VersionStats {
	type key struct{ date, assistant, channel, version string }
	groups := map[key][]Conversation{}
	for _, c := range convs {
		k := key{c.Day, c.AssistantName, c.ChannelName, c.AssistantVersion}
		groups[k] = append(groups[k], c)
	}
	var out []VersionStats
	for k, cs := range groups {
		v := VersionStats{Date: k.date, AssistantName: k.assistant, ChannelName: k.channel, Version: k.version}
		var samples []float64
		crit, hasCrit := opts.Criteria[k.assistant]
		success := 0
		for _, c := range cs {
			v.TotalSessions++
			if c.EscalatedAt != nil {
				v.EscalatedCount++
			}
			if c.CSATRating != nil {
				switch *c.CSATRating {
				case "SATISFIED":
					v.CSATSatisfied++
				case "UNSATISFIED":
					v.CSATUnsatisfied++
				default:
					v.CSATUnanswered++
				}
			}
			samples = append(samples, c.LatencySamplesMs...)
			if hasCrit && succeeds(c, crit) {
				success++
			}
		}
		v.AutomatedCount = v.TotalSessions - v.EscalatedCount
		if len(samples) > 0 {
			sort.Float64s(samples)
			sum := 0.0
			for _, x := range samples {
				sum += x
			}
			v.AverageLatencyMs = ptr(sum / float64(len(samples)))
			v.P50, v.P95, v.P99 = ptr(percentile(samples, 0.5)), ptr(percentile(samples, 0.95)), ptr(percentile(samples, 0.99))
		}
		if hasCrit {
			v.CustomSuccessCount, v.CustomFailureCount = ptr(success), ptr(v.TotalSessions-success)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Date+a.AssistantName+"\x00"+a.ChannelName+"\x00"+a.Version < b.Date+b.AssistantName+"\x00"+b.ChannelName+"\x00"+b.Version
	})
	return out
}

func succeeds(c Conversation, crit Criteria) bool {
	for _, f := range crit.Included {
		if !slices.Contains(c.FlowsStarted, f) {
			return false
		}
	}
	for _, f := range crit.Excluded {
		if slices.Contains(c.FlowsStarted, f) {
			return false
		}
	}
	return true
}

// percentile is PostgreSQL's percentile_cont: linear interpolation between
// the sorted samples at position q*(n-1).
func percentile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (sorted[lo+1]-sorted[lo])*(pos-float64(lo))
}

func flowStats(convs []Conversation) []FlowStats {
	type key struct{ date, assistant, flow string }
	rows := map[key]*FlowStats{}
	for _, c := range convs {
		for _, f := range c.FlowsStarted {
			k := key{c.Day, c.AssistantName, f}
			r := rows[k]
			if r == nil {
				r = &FlowStats{Date: k.date, AssistantName: k.assistant, FlowName: f}
				rows[k] = r
			}
			r.TotalSessions++
			escalated := slices.Contains(c.FlowsActiveAtEscalation, f)
			if escalated {
				r.EscalatedCount++
			} else if slices.Contains(c.FlowsCompleted, f) {
				r.AutomatedCount++ // completed without an escalation while it was active
			}
		}
	}
	out := make([]FlowStats, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Date+a.AssistantName+"\x00"+a.FlowName < b.Date+b.AssistantName+"\x00"+b.FlowName
	})
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, on := range m {
		if on {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func ptr[T any](v T) *T { return &v }
