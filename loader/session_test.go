package loader

import "testing"

func sessionEvent(sender, typ, name, sessionID string, id byte) *event {
	e := &event{senderID: sender, typ: typ, sessionID: sessionID, assistantID: "bank"}
	e.id[0] = id
	if name != "" {
		e.name = optString{name, true}
	}
	return e
}

// The session rule (docs/decisions.md, "Input and decoding"), case by case:
// which events share a conversation.
func TestAssignSessions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []*event
		same   [][]int // groups of event indexes that must share a conversation
	}{
		{"implicit then action+started pair", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "ACTION", "action_session_start", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("a", "USER", "", "", 4),
		}, [][]int{{0}, {1, 2, 3}}},
		{"session_started alone opens", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SESSION_STARTED", "", "", 2),
			sessionEvent("a", "USER", "", "", 3),
		}, [][]int{{0}, {1, 2}}},
		{"session_started after another event opens again", []*event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("a", "ACTION", "action_listen", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
		}, [][]int{{0, 1}, {2}}},
		{"session_id events do not break the pair", []*event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("a", "USER", "", "s-1", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("a", "USER", "", "", 4),
		}, [][]int{{0, 2, 3}, {1}}},
		{"a start slot opens the action's session", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "ACTION", "action_session_start", "", 3),
			sessionEvent("a", "SESSION_STARTED", "", "", 4),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 5),
			sessionEvent("a", "USER", "", "", 6),
		}, [][]int{{0}, {1, 2, 3, 4, 5}}},
		{"a start slot as the sender's first event", []*event{
			sessionEvent("a", "SLOT", "session_started_metadata", "", 1),
			sessionEvent("a", "ACTION", "action_session_start", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
		}, [][]int{{0, 1, 2}}},
		{"a start slot not followed by the action is an ordinary event", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "USER", "", "", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0, 1, 2}, {3}}},
		{"only the last of two start slots opens", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0, 1}, {2, 3}}},
		{"session_id events between the slot and the action do not count", []*event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "USER", "", "s-1", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0}, {1, 3}, {2}}},
		{"senders are separate streams", []*event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("b", "USER", "", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("b", "USER", "", "", 4),
		}, [][]int{{0, 2}, {1, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, moves := assignSessions(tc.events, map[string]senderState{}, "unknown"); len(moves) > 0 {
				t.Errorf("moves %v within one batch", moves)
			}
			for _, group := range tc.same {
				for _, i := range group[1:] {
					if tc.events[i].conversationID != tc.events[group[0]].conversationID {
						t.Errorf("events %d and %d should share a conversation", group[0], i)
					}
				}
			}
			for gi, g := range tc.same {
				for _, h := range tc.same[gi+1:] {
					if tc.events[g[0]].conversationID == tc.events[h[0]].conversationID {
						t.Errorf("events %d and %d should not share a conversation", g[0], h[0])
					}
				}
			}
		})
	}
}

// A restarted loader continues a sender's session from the stored state.
func TestAssignSessionsContinuesFromState(t *testing.T) {
	first := []*event{sessionEvent("a", "ACTION", "action_session_start", "", 1), sessionEvent("a", "SESSION_STARTED", "", "", 2)}
	changed, _ := assignSessions(first, map[string]senderState{}, "unknown")
	// next batch, state from the database: SESSION_STARTED directly after the action would not open
	next := []*event{sessionEvent("a", "USER", "", "", 3)}
	assignSessions(next, changed, "unknown")
	if next[0].conversationID != first[0].conversationID {
		t.Error("the next batch's event did not join the open session")
	}
	pair := []*event{sessionEvent("b", "ACTION", "action_session_start", "", 4)}
	state, _ := assignSessions(pair, map[string]senderState{}, "unknown")
	rest := []*event{sessionEvent("b", "SESSION_STARTED", "", "", 5)}
	assignSessions(rest, state, "unknown")
	if rest[0].conversationID != pair[0].conversationID {
		t.Error("a pair split across batches opened two sessions")
	}
}

// A start slot and its action in different batches: the slot, stored with the
// session before it, moves to the session it opens, whose id is the one it
// would have had in one batch.
func TestAssignSessionsMovesAStartSlotFromAnEarlierBatch(t *testing.T) {
	whole := []*event{
		sessionEvent("a", "USER", "", "", 1),
		sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
		sessionEvent("a", "ACTION", "action_session_start", "", 3),
	}
	assignSessions(whole, map[string]senderState{}, "unknown")
	opened := whole[1].conversationID

	first := []*event{sessionEvent("a", "USER", "", "", 1), sessionEvent("a", "SLOT", "session_started_metadata", "", 2)}
	state, moves := assignSessions(first, map[string]senderState{}, "unknown")
	if len(moves) != 0 || first[1].conversationID != first[0].conversationID {
		t.Fatal("a trailing start slot must stay, for now, in the session before it")
	}
	next := []*event{sessionEvent("a", "ACTION", "action_session_start", "", 3), sessionEvent("a", "SESSION_STARTED", "", "", 4)}
	_, moves = assignSessions(next, state, "unknown")
	if next[0].conversationID != opened || next[1].conversationID != opened {
		t.Errorf("the action went to %s, want the slot's session %s", next[0].conversationID, opened)
	}
	if len(moves) != 1 || moves[0].eventID != first[1].id || moves[0].to != opened {
		t.Errorf("moves %+v, want the slot to %s", moves, opened)
	}

	// A slot that formed an implicit session is already where it belongs.
	alone := []*event{sessionEvent("b", "SLOT", "session_started_metadata", "", 5)}
	state, _ = assignSessions(alone, map[string]senderState{}, "unknown")
	action := []*event{sessionEvent("b", "ACTION", "action_session_start", "", 6)}
	if _, moves = assignSessions(action, state, "unknown"); len(moves) != 0 || action[0].conversationID != alone[0].conversationID {
		t.Errorf("moves %+v; action in %s, slot in %s", moves, action[0].conversationID, alone[0].conversationID)
	}
}

func TestSessionConversationID(t *testing.T) {
	if got := sessionConversationID("fbe632b0-ef05-467e-b0f2-fecf6131ad1d").String(); got != "fbe632b0-ef05-467e-b0f2-fecf6131ad1d" {
		t.Errorf("a UUID session_id is the conversation id: got %s", got)
	}
	if a, b := sessionConversationID("not-a-uuid"), uuidV5([]byte("not-a-uuid")); a != b {
		t.Errorf("a non-UUID session_id maps by UUIDv5: %s vs %s", a, b)
	}
}
