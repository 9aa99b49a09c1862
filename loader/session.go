package loader

// Session assignment (SPEC section 3). An event carrying metadata.session_id
// belongs to that session. Every other event is placed by its sender's stream:
// a session opens at an ACTION action_session_start, or at a SESSION_STARTED
// that does not directly follow one (Rasa emits the pair); events before any
// opening form an implicit session. Conversation ids are deterministic:
// UUIDv5(assistant|sender|id of the session's first event).

const sessionStartAction = "action_session_start"

// senderState is where a sender's next event without session_id goes.
type senderState struct {
	conversationID          uuid // zero: the sender has no session yet
	afterSessionStartAction bool // the sender's last such event was action_session_start
}

// assignSessions sets conversationID on every event, in stream order, starting
// from states (which it does not modify). It returns the new state of every
// sender whose state changed.
func assignSessions(events []*event, states map[string]senderState, defaultAssistant string) map[string]senderState {
	changed := map[string]senderState{}
	defer func() {
		for sender, st := range changed {
			if old, ok := states[sender]; ok && old == st {
				delete(changed, sender)
			}
		}
	}()
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
		opens := isStartAction || (e.typ == "SESSION_STARTED" && !st.afterSessionStartAction)
		if opens || st.conversationID.isZero() {
			assistant := e.assistantID
			if assistant == "" {
				assistant = defaultAssistant
			}
			st.conversationID = uuidV5([]byte(assistant + "|" + e.senderID + "|" + e.id.String()))
		}
		st.afterSessionStartAction = isStartAction
		e.conversationID = st.conversationID
		changed[e.senderID] = st
	}
	return changed
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
