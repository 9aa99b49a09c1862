package loader

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

// senderState is where a sender's next event without session_id goes.
type senderState struct {
	conversationID          uuid // zero: the sender has no session yet
	afterSessionStartAction bool // the sender's last such event was action_session_start
	// When the sender's last such event was a session_started_metadata slot:
	// its event id, and the conversation it opens if action_session_start
	// comes next. Until then the slot stays in the current session, as an
	// ordinary event.
	startSlot      uuid
	startSlotOpens uuid
}

// eventMove re-points a stored event to another conversation: a start slot
// written in an earlier batch whose action_session_start came in this one.
type eventMove struct {
	eventID, to uuid
}

// assignSessions sets conversationID on every event, in stream order, starting
// from states (which it does not modify). It returns the new state of every
// sender whose state changed, and the stored events that move to another
// conversation.
func assignSessions(events []*event, states map[string]senderState, defaultAssistant string) (map[string]senderState, []eventMove) {
	changed := map[string]senderState{}
	defer func() {
		for sender, st := range changed {
			if old, ok := states[sender]; ok && old == st {
				delete(changed, sender)
			}
		}
	}()
	var moves []eventMove
	slotInBatch := map[string]*event{} // the sender's start slot, when it is in this batch
	for _, e := range events {
		if e.sessionID != "" {
			e.conversationID = sessionConversationID(e.sessionID)
			continue
		}
		st, ok := changed[e.senderID]
		if !ok {
			st = states[e.senderID]
		}
		isStartAction := e.typ == "ACTION" && e.name.ok && e.name.s == sessionStartAction
		switch {
		case isStartAction && !st.startSlot.isZero():
			// The slot before this action opened the session: it moves there
			// unless it already is there (it formed an implicit session).
			if st.conversationID != st.startSlotOpens {
				if slot := slotInBatch[e.senderID]; slot != nil && slot.id == st.startSlot {
					slot.conversationID = st.startSlotOpens
				} else {
					moves = append(moves, eventMove{eventID: st.startSlot, to: st.startSlotOpens})
				}
			}
			st.conversationID = st.startSlotOpens
		case isStartAction || (e.typ == "SESSION_STARTED" && !st.afterSessionStartAction) || st.conversationID.isZero():
			st.conversationID = openedConversationID(e, defaultAssistant)
		}
		st.afterSessionStartAction = isStartAction
		st.startSlot, st.startSlotOpens = uuid{}, uuid{}
		if e.typ == "SLOT" && e.name.ok && e.name.s == sessionStartSlot {
			st.startSlot, st.startSlotOpens = e.id, openedConversationID(e, defaultAssistant)
			slotInBatch[e.senderID] = e
		}
		e.conversationID = st.conversationID
		changed[e.senderID] = st
	}
	return changed, moves
}

// openedConversationID is the id of the session whose first event is e.
func openedConversationID(e *event, defaultAssistant string) uuid {
	assistant := e.assistantID
	if assistant == "" {
		assistant = defaultAssistant
	}
	return uuidV5([]byte(assistant + "|" + e.senderID + "|" + e.id.String()))
}

// sessionConversationID is the conversation id of a Rasa session_id: the
// session_id itself when it is a UUID, else its UUIDv5.
func sessionConversationID(sessionID string) uuid {
	if u, ok := parseUUID(sessionID); ok {
		return u
	}
	return uuidV5([]byte(sessionID))
}

// sendersNeedingState lists the senders of events without session_id whose
// state is not in states, in first-seen order.
func sendersNeedingState(events []*event, states map[string]senderState) []string {
	seen := map[string]bool{}
	var senders []string
	for _, e := range events {
		if e.sessionID != "" || seen[e.senderID] {
			continue
		}
		seen[e.senderID] = true
		if _, ok := states[e.senderID]; !ok {
			senders = append(senders, e.senderID)
		}
	}
	return senders
}
