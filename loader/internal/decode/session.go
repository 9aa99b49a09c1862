package decode

// Session assignment (docs/decisions.md, "Input and decoding"). An event carrying
// metadata.session_id belongs to that session. Every other event is placed by
// its sender's stream: a session opens at an ACTION action_session_start, or at
// a SESSION_STARTED that does not directly follow one (Rasa emits the pair);
// events before any opening form an implicit session. A
// session_started_metadata SLOT directly before action_session_start (Rasa sets
// it just before running the action) opens that session itself. Conversation
// ids are deterministic: UUIDv5(assistant|sender|id of the session's first event).

const (
	sessionStartAction = "action_session_start"
	sessionStartSlot   = "session_started_metadata"
)

// SenderState is where a sender's next event without session_id goes.
type SenderState struct {
	conversationID          UUID // zero: the sender has no session yet
	afterSessionStartAction bool // the sender's last such event was action_session_start
	// When the sender's last such event was a session_started_metadata slot:
	// its event id, and the conversation it opens if action_session_start
	// comes next. Until then the slot stays in the current session, as an
	// ordinary event.
	startSlot      UUID
	startSlotOpens UUID
}

// EventMove re-points a stored event to another conversation: a start slot
// written in an earlier batch whose action_session_start came in this one.
type EventMove struct {
	EventID, To UUID
}

// AssignSessions sets ConversationID on every event, in stream order, starting
// from states (which it does not modify). It returns the new state of every
// sender whose state changed, and the stored events that move to another
// conversation.
func AssignSessions(events []*Event, states map[string]SenderState, defaultAssistant string) (map[string]SenderState, []EventMove) {
	changed := map[string]SenderState{}
	defer func() {
		for sender, st := range changed {
			if old, ok := states[sender]; ok && old == st {
				delete(changed, sender)
			}
		}
	}()
	var moves []EventMove
	slotInBatch := map[string]*Event{} // the sender's start slot, when it is in this batch
	for _, e := range events {
		if e.SessionID != "" {
			e.ConversationID = sessionConversationID(e.SessionID)
			continue
		}
		st, ok := changed[e.SenderID]
		if !ok {
			st = states[e.SenderID]
		}
		isStartAction := e.Type == "ACTION" && e.Name.OK && e.Name.S == sessionStartAction
		switch {
		case isStartAction && !st.startSlot.IsZero():
			// The slot before this action opened the session: it moves there
			// unless it already is there (it formed an implicit session).
			if st.conversationID != st.startSlotOpens {
				if slot := slotInBatch[e.SenderID]; slot != nil && slot.ID == st.startSlot {
					slot.ConversationID = st.startSlotOpens
				} else {
					moves = append(moves, EventMove{EventID: st.startSlot, To: st.startSlotOpens})
				}
			}
			st.conversationID = st.startSlotOpens
		case isStartAction || (e.Type == "SESSION_STARTED" && !st.afterSessionStartAction) || st.conversationID.IsZero():
			st.conversationID = openedConversationID(e, defaultAssistant)
		}
		st.afterSessionStartAction = isStartAction
		st.startSlot, st.startSlotOpens = UUID{}, UUID{}
		if e.Type == "SLOT" && e.Name.OK && e.Name.S == sessionStartSlot {
			st.startSlot, st.startSlotOpens = e.ID, openedConversationID(e, defaultAssistant)
			slotInBatch[e.SenderID] = e
		}
		e.ConversationID = st.conversationID
		changed[e.SenderID] = st
	}
	return changed, moves
}

// openedConversationID is the id of the session whose first event is e.
func openedConversationID(e *Event, defaultAssistant string) UUID {
	assistant := e.AssistantID
	if assistant == "" {
		assistant = defaultAssistant
	}
	return UUIDv5([]byte(assistant + "|" + e.SenderID + "|" + e.ID.String()))
}

// sessionConversationID is the conversation id of a Rasa session_id: the
// session_id itself when it is a UUID, else its UUIDv5.
func sessionConversationID(sessionID string) UUID {
	if u, ok := parseUUID(sessionID); ok {
		return u
	}
	return UUIDv5([]byte(sessionID))
}

// SendersNeedingState lists the senders of events without session_id whose
// state is not in states, in first-seen order.
func SendersNeedingState(events []*Event, states map[string]SenderState) []string {
	seen := map[string]bool{}
	var senders []string
	for _, e := range events {
		if e.SessionID != "" || seen[e.SenderID] {
			continue
		}
		seen[e.SenderID] = true
		if _, ok := states[e.SenderID]; !ok {
			senders = append(senders, e.SenderID)
		}
	}
	return senders
}
