package decode

import "testing"

func sessionEvent(sender, typ, name, sessionID string, id byte) *Event {
	e := &Event{SenderID: sender, Type: typ, SessionID: sessionID, AssistantID: "bank"}
	e.ID[0] = id
	if name != "" {
		e.Name = OptString{name, true}
	}
	return e
}

// The session rule (docs/decisions.md, "Input and decoding"), case by case:
// which events share a conversation.
func TestAssignSessions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []*Event
		same   [][]int // groups of event indexes that must share a conversation
	}{
		{"implicit then action+started pair", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "ACTION", "action_session_start", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("a", "USER", "", "", 4),
		}, [][]int{{0}, {1, 2, 3}}},
		{"session_started alone opens", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SESSION_STARTED", "", "", 2),
			sessionEvent("a", "USER", "", "", 3),
		}, [][]int{{0}, {1, 2}}},
		{"session_started after another event opens again", []*Event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("a", "ACTION", "action_listen", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
		}, [][]int{{0, 1}, {2}}},
		{"session_id events do not break the pair", []*Event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("a", "USER", "", "s-1", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("a", "USER", "", "", 4),
		}, [][]int{{0, 2, 3}, {1}}},
		{"a start slot opens the action's session", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "ACTION", "action_session_start", "", 3),
			sessionEvent("a", "SESSION_STARTED", "", "", 4),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 5),
			sessionEvent("a", "USER", "", "", 6),
		}, [][]int{{0}, {1, 2, 3, 4, 5}}},
		{"a start slot as the sender's first event", []*Event{
			sessionEvent("a", "SLOT", "session_started_metadata", "", 1),
			sessionEvent("a", "ACTION", "action_session_start", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
		}, [][]int{{0, 1, 2}}},
		{"a start slot not followed by the action is an ordinary event", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "USER", "", "", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0, 1, 2}, {3}}},
		{"only the last of two start slots opens", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0, 1}, {2, 3}}},
		{"session_id events between the slot and the action do not count", []*Event{
			sessionEvent("a", "USER", "", "", 1),
			sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
			sessionEvent("a", "USER", "", "s-1", 3),
			sessionEvent("a", "ACTION", "action_session_start", "", 4),
		}, [][]int{{0}, {1, 3}, {2}}},
		{"senders are separate streams", []*Event{
			sessionEvent("a", "ACTION", "action_session_start", "", 1),
			sessionEvent("b", "USER", "", "", 2),
			sessionEvent("a", "SESSION_STARTED", "", "", 3),
			sessionEvent("b", "USER", "", "", 4),
		}, [][]int{{0, 2}, {1, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, moves := AssignSessions(tc.events, map[string]SenderState{}, "unknown"); len(moves) > 0 {
				t.Errorf("moves %v within one batch", moves)
			}
			for _, group := range tc.same {
				for _, i := range group[1:] {
					if tc.events[i].ConversationID != tc.events[group[0]].ConversationID {
						t.Errorf("events %d and %d should share a conversation", group[0], i)
					}
				}
			}
			for gi, g := range tc.same {
				for _, h := range tc.same[gi+1:] {
					if tc.events[g[0]].ConversationID == tc.events[h[0]].ConversationID {
						t.Errorf("events %d and %d should not share a conversation", g[0], h[0])
					}
				}
			}
		})
	}
}

// A restarted loader continues a sender's session from the stored state.
func TestAssignSessionsContinuesFromState(t *testing.T) {
	first := []*Event{sessionEvent("a", "ACTION", "action_session_start", "", 1), sessionEvent("a", "SESSION_STARTED", "", "", 2)}
	changed, _ := AssignSessions(first, map[string]SenderState{}, "unknown")
	// next batch, state from the database: SESSION_STARTED directly after the action would not open
	next := []*Event{sessionEvent("a", "USER", "", "", 3)}
	AssignSessions(next, changed, "unknown")
	if next[0].ConversationID != first[0].ConversationID {
		t.Error("the next batch's event did not join the open session")
	}
	pair := []*Event{sessionEvent("b", "ACTION", "action_session_start", "", 4)}
	state, _ := AssignSessions(pair, map[string]SenderState{}, "unknown")
	rest := []*Event{sessionEvent("b", "SESSION_STARTED", "", "", 5)}
	AssignSessions(rest, state, "unknown")
	if rest[0].ConversationID != pair[0].ConversationID {
		t.Error("a pair split across batches opened two sessions")
	}
}

// A start slot and its action in different batches: the slot, stored with the
// session before it, moves to the session it opens, whose id is the one it
// would have had in one batch.
func TestAssignSessionsMovesAStartSlotFromAnEarlierBatch(t *testing.T) {
	whole := []*Event{
		sessionEvent("a", "USER", "", "", 1),
		sessionEvent("a", "SLOT", "session_started_metadata", "", 2),
		sessionEvent("a", "ACTION", "action_session_start", "", 3),
	}
	AssignSessions(whole, map[string]SenderState{}, "unknown")
	opened := whole[1].ConversationID

	first := []*Event{sessionEvent("a", "USER", "", "", 1), sessionEvent("a", "SLOT", "session_started_metadata", "", 2)}
	state, moves := AssignSessions(first, map[string]SenderState{}, "unknown")
	if len(moves) != 0 || first[1].ConversationID != first[0].ConversationID {
		t.Fatal("a trailing start slot must stay, for now, in the session before it")
	}
	next := []*Event{sessionEvent("a", "ACTION", "action_session_start", "", 3), sessionEvent("a", "SESSION_STARTED", "", "", 4)}
	_, moves = AssignSessions(next, state, "unknown")
	if next[0].ConversationID != opened || next[1].ConversationID != opened {
		t.Errorf("the action went to %s, want the slot's session %s", next[0].ConversationID, opened)
	}
	if len(moves) != 1 || moves[0].EventID != first[1].ID || moves[0].To != opened {
		t.Errorf("moves %+v, want the slot to %s", moves, opened)
	}

	// A slot that formed an implicit session is already where it belongs.
	alone := []*Event{sessionEvent("b", "SLOT", "session_started_metadata", "", 5)}
	state, _ = AssignSessions(alone, map[string]SenderState{}, "unknown")
	action := []*Event{sessionEvent("b", "ACTION", "action_session_start", "", 6)}
	if _, moves = AssignSessions(action, state, "unknown"); len(moves) != 0 || action[0].ConversationID != alone[0].ConversationID {
		t.Errorf("moves %+v; action in %s, slot in %s", moves, action[0].ConversationID, alone[0].ConversationID)
	}
}

func TestSessionConversationID(t *testing.T) {
	if got := sessionConversationID("fbe632b0-ef05-467e-b0f2-fecf6131ad1d").String(); got != "fbe632b0-ef05-467e-b0f2-fecf6131ad1d" {
		t.Errorf("a UUID session_id is the conversation id: got %s", got)
	}
	if a, b := sessionConversationID("not-a-uuid"), UUIDv5([]byte("not-a-uuid")); a != b {
		t.Errorf("a non-UUID session_id maps by UUIDv5: %s vs %s", a, b)
	}
}
