package reference

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"
)

// The reference must itself agree with the independent oracle's expected
// results for the shared sample stream, or it is no reference.
func TestReferenceMatchesSampleOracle(t *testing.T) {
	data, err := os.ReadFile("../../../shared/samples/rasa-events-small.jsonl")
	if err != nil {
		t.Skipf("shared sample not available: %v", err)
	}
	var messages [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			messages = append(messages, line)
		}
	}
	var oracle struct {
		Events        struct{ Stored, Duplicates int }
		Conversations []struct {
			AssistantName             string
			SenderID                  string `json:"senderId"`
			StartUs                   int64
			TotalNumberOfUserMessages int
			CsatRating                *string
			EscalatedAtUs             *int64
			LatencySamplesMs          []float64
		}
		VersionDailyStatistics []map[string]any
		FlowDailyStatistics    []map[string]any
	}
	raw, err := os.ReadFile("../../../shared/samples/rasa-events-small.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	res := Compute(messages, Options{})
	if res.Stored != oracle.Events.Stored || res.Duplicates != oracle.Events.Duplicates {
		t.Errorf("stored/duplicates = %d/%d, oracle %d/%d", res.Stored, res.Duplicates, oracle.Events.Stored, oracle.Events.Duplicates)
	}
	if len(res.Conversations) != len(oracle.Conversations) {
		t.Fatalf("%d conversations, oracle %d", len(res.Conversations), len(oracle.Conversations))
	}
	byKey := map[string]Conversation{}
	for _, c := range res.Conversations {
		byKey[c.AssistantName+"|"+c.SenderID+"|"+c.StartDate.Format("2006-01-02T15:04:05.000000")] = c
	}
	for _, o := range oracle.Conversations {
		k := o.AssistantName + "|" + o.SenderID + "|" + microsToTime(o.StartUs)
		c, ok := byKey[k]
		if !ok {
			t.Errorf("missing conversation %s", k)
			continue
		}
		if c.TotalNumberOfUserMessages != o.TotalNumberOfUserMessages || !sameStr(c.CSATRating, o.CsatRating) ||
			(c.EscalatedAt == nil) != (o.EscalatedAtUs == nil) || len(c.LatencySamplesMs) != len(o.LatencySamplesMs) {
			t.Errorf("conversation %s differs: %+v vs %+v", k, c, o)
		}
	}
	if len(res.VersionStats) != len(oracle.VersionDailyStatistics) || len(res.FlowStats) != len(oracle.FlowDailyStatistics) {
		t.Fatalf("%d/%d statistics rows, oracle %d/%d", len(res.VersionStats), len(res.FlowStats),
			len(oracle.VersionDailyStatistics), len(oracle.FlowDailyStatistics))
	}
	mine := map[string]VersionStats{}
	for _, v := range res.VersionStats {
		mine[v.Date+"|"+v.AssistantName+"|"+v.ChannelName+"|"+v.Version] = v
	}
	for _, o := range oracle.VersionDailyStatistics {
		k := o["date"].(string) + "|" + o["assistantName"].(string) + "|" + o["channelName"].(string) + "|" + o["version"].(string)
		v, ok := mine[k]
		if !ok {
			t.Errorf("missing version row %s", k)
			continue
		}
		if float64(v.TotalSessions) != o["totalSessions"] || float64(v.EscalatedCount) != o["escalatedCount"] ||
			!closeTo(v.P95, o["p95LatencyMs"]) || !closeTo(v.AverageLatencyMs, o["averageLatencyMs"]) {
			t.Errorf("version row %s differs: %+v vs %v", k, v, o)
		}
	}
	flows := map[string]FlowStats{}
	for _, f := range res.FlowStats {
		flows[f.Date+"|"+f.AssistantName+"|"+f.FlowName] = f
	}
	for _, o := range oracle.FlowDailyStatistics {
		k := o["date"].(string) + "|" + o["assistantName"].(string) + "|" + o["flowName"].(string)
		f, ok := flows[k]
		if !ok {
			t.Errorf("missing flow row %s", k)
			continue
		}
		if float64(f.TotalSessions) != o["totalSessions"] || float64(f.AutomatedCount) != o["automatedCount"] ||
			float64(f.EscalatedCount) != o["escalatedCount"] {
			t.Errorf("flow row %s differs: %+v vs %v", k, f, o)
		}
	}
}

func microsToTime(us int64) string {
	return unixMicro(us).Format("2006-01-02T15:04:05.000000")
}

func sameStr(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func closeTo(a *float64, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	f := b.(float64)
	return math.Abs(*a-f) <= 1e-6*math.Max(1, math.Abs(f))
}
