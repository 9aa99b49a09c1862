package traffic

import (
	"math"
	"strconv"
)

// A sender is one simulated user talking to one assistant over one channel,
// with one or more sessions. It produces its events a "chunk" at a time: a
// session start, one user turn with everything Rasa does in reaction to it,
// or a lone lifecycle event (session_ended, conversation_inactive, resume).
// Chunks are encoded straight into the sender's buffer; the scheduler
// (generate.go) emits them one event at a time, interleaved with other
// senders.

const (
	ms      = int64(1000)
	sec     = 1000 * ms
	minute  = 60 * sec
	hour    = 60 * minute
	day     = 24 * hour
	maxDeep = 8
)

// what the assistant is waiting for after its last action_listen
type await uint8

const (
	awOpen     await = iota // nothing in particular
	awSlot                  // pattern_collect_information asked for a slot
	awAnything              // pattern_completed asked "anything else?"
	awCSAT                  // the CSAT question
	awConfirm               // "connect you to a human?"
	awClarify               // pattern_clarification offered two flows
	awAgent                 // a sub-agent is talking
	awForm                  // a legacy form (active_loop) asks
)

// kinds of chunks
type chunkKind uint8

const (
	kStart    chunkKind = iota // action_session_start ... (new session)
	kResume                    // 3.16: a new session_id without action_session_start, after conversation_inactive
	kTurn                      // a user turn
	kExternal                  // a reminder fires: external user message
	kUnpause                   // resume after a handoff pause
	kEnd                       // session_ended / conversation_inactive
	kDone                      // sender finished
)

type frame struct {
	id   [8]byte
	flow *flowC // business flow frame; nil for patterns and built-in flows
	pat  string // pattern (or built-in user flow) id when flow == nil
	user bool   // a user flow frame (frame_type/type "flow")
	step string
}

func (f *frame) flowID() string {
	if f.flow != nil {
		return f.flow.id
	}
	return f.pat
}

type policy uint8

const (
	polFlow     policy = iota // "FlowPolicy", 1.0
	polNullOne                // null, 1.0 (action_session_start, followups)
	polNullNull               // null, null (the initial action_listen)
	polRule                   // "RulePolicy", 1.0 (legacy forms)
)

var (
	collectCSAT     = []byte(`"collect": "csat_score", "utter": "utter_ask_csat_score", "collect_action": "action_ask_csat_score", "rejections": []`)
	collectHandoff  = []byte(`"collect": "confirm_human_handoff", "utter": "utter_ask_confirm_human_handoff", "collect_action": "action_ask_confirm_human_handoff", "rejections": []`)
	cmdKnowledge    = []byte(`{"command": "knowledge"}`)
	cmdChitchat     = []byte(`{"command": "chitchat"}`)
	cmdCannot       = []byte(`{"reason": null, "command": "cannot handle"}`)
	cmdCancel       = []byte(`{"command": "cancel flow"}`)
	cmdHandoffOld   = []byte(`{"command": "human handoff"}`)
	cmdHandoff316   = []byte(`{"flow": "pattern_human_handoff", "command": "start flow"}`)
	cmdSessionStart = []byte(`{"command": "session start"}`)
	cmdRestart      = []byte(`{"command": "restart"}`)
	cmdConfirmYes   = []byte(`{"name": "confirm_human_handoff", "value": true, "extractor": "LLM", "command": "set slot"}`)
	cmdConfirmNo    = []byte(`{"name": "confirm_human_handoff", "value": false, "extractor": "LLM", "command": "set slot"}`)
	botDataNull     = []byte(`"elements": null, "quick_replies": null, "buttons": null, "attachment": null, "image": null, "custom": null}`)
	jsonTrue        = []byte("true")
	jsonFalse       = []byte("false")
	jsonNull        = []byte("null")
)

type sender struct {
	g         *gen
	r         rng
	seq       uint64
	a         *asstC
	channel   string
	r316      bool // Rasa >= 3.16
	nlu       bool // NLU/coexistence pipeline: named intents, legacy forms
	feat      bool // emits user_featurization after user messages
	trigger   bool // the channel sends /session_start
	key       []byte
	prefix    []byte // {"sender_id": "...", ["user_id": "...", ]"event": "
	phone     []byte
	model     *modelC
	newest    bool // model is the assistant's newest (semantic flow search)
	mdTail    []byte
	chMeta    []byte // channel metadata merged into user events (voice)
	left      int    // sessions still to start
	events    int
	sessEvs   int // events of the current session emitted so far
	inSession bool

	// dialogue state of the current session
	stack      [maxDeep]frame
	depth      int
	aw         await
	cur        *flowC
	slotIdx    int
	answers    [8]uint8
	intr       *flowC
	intrSlot   int
	intrAns    [8]uint8
	clar       [2]*flowC
	agentIdx   int
	awBefore   await // what was awaited before a handoff confirmation
	turns      int
	maxTurns   int
	fails      int
	flowsDone  int
	leaving    bool
	handedOver bool
	escalated  bool
	reminderAt int64
	unpauseAt  int64
	endKind    endKind

	// chunk being emitted
	buf        []byte
	evs        []evRef
	pos        int
	t          int64 // time cursor, µs
	botAt      int64 // earliest time of the turn's first bot message
	botPending bool
	curStart   int
	curTs      int64
	curTyp     evType

	next   chunkKind
	nextAt int64
	key64  int64 // heap key: virtual time when active, real time when idle
	shift  int64 // virtual minus real time while active
	hidx   int
}

// ---------------------------------------------------------------- encoding

func (s *sender) begin(t evType) {
	s.flushStack()
	s.curStart, s.curTs, s.curTyp = len(s.buf), s.t, t
	s.buf = append(s.buf, s.prefix...)
	s.buf = append(s.buf, evNames[t]...)
	s.buf = append(s.buf, `", "timestamp": `...)
	s.buf = appendTS(s.buf, s.t)
	s.buf = append(s.buf, `, "metadata": {`...)
}

func (s *sender) md(k, v string) {
	s.buf = append(s.buf, '"')
	s.buf = append(s.buf, k...)
	s.buf = append(s.buf, `": "`...)
	s.buf = append(s.buf, v...)
	s.buf = append(s.buf, `", `...)
}

func (s *sender) mdEnd() { s.buf = append(s.buf, s.mdTail...) }

func (s *sender) str(k, v string) {
	s.buf = append(s.buf, `, "`...)
	s.buf = append(s.buf, k...)
	s.buf = append(s.buf, `": "`...)
	s.buf = append(s.buf, v...)
	s.buf = append(s.buf, '"')
}

func (s *sender) raw(k string, v []byte) {
	s.buf = append(s.buf, `, "`...)
	s.buf = append(s.buf, k...)
	s.buf = append(s.buf, `": `...)
	s.buf = append(s.buf, v...)
}

func (s *sender) end() {
	s.buf = append(s.buf, '}')
	s.evs = append(s.evs, evRef{start: int32(s.curStart), end: int32(len(s.buf)), ts: s.curTs, typ: s.curTyp})
}

// base writes an event with no fields of its own.
func (s *sender) base(t evType) {
	s.begin(t)
	s.mdEnd()
	s.end()
}

func (s *sender) flowMeta() {
	if s.depth > 0 {
		f := &s.stack[s.depth-1]
		s.md("active_flow", f.flowID())
		s.md("step_id", f.step)
	}
}

func (s *sender) action(name string, p policy) {
	s.begin(evAction)
	if p == polFlow || p == polRule {
		s.flowMeta()
	}
	s.mdEnd()
	s.str("name", name)
	switch p {
	case polFlow:
		s.buf = append(s.buf, `, "policy": "FlowPolicy", "confidence": 1.0`...)
	case polRule:
		s.buf = append(s.buf, `, "policy": "RulePolicy", "confidence": 1.0`...)
	case polNullOne:
		s.buf = append(s.buf, `, "policy": null, "confidence": 1.0`...)
	default:
		s.buf = append(s.buf, `, "policy": null, "confidence": null`...)
	}
	s.buf = append(s.buf, `, "action_text": null, "hide_rule_turn": false`...)
	s.end()
}

// bot writes a bot event; text is a JSON string literal.
func (s *sender) bot(text []byte, utter, source string, buttons []byte, agent string) {
	s.begin(evBot)
	s.flowMeta()
	if utter != "" {
		s.md("utter_action", utter)
	}
	if source != "" {
		s.md("utter_source", source)
	}
	if agent != "" {
		s.md("agent_name", agent)
		s.md("message_type", "agent_response")
	}
	s.mdEnd()
	s.raw("text", text)
	if buttons == nil {
		s.buf = append(s.buf, `, "data": {`...)
		s.buf = append(s.buf, botDataNull...)
	} else {
		s.buf = append(s.buf, `, "data": {"elements": null, "quick_replies": null, "buttons": `...)
		s.buf = append(s.buf, buttons...)
		s.buf = append(s.buf, `, "attachment": null, "image": null, "custom": null}`...)
	}
	s.end()
}

func (s *sender) slot(name string, value []byte) {
	s.begin(evSlot)
	s.mdEnd()
	s.str("name", name)
	s.raw("value", value)
	s.end()
}

func (s *sender) flowEvent(t evType, flowID, step string) {
	s.begin(t)
	s.mdEnd()
	s.str("flow_id", flowID)
	s.str("step_id", step)
	s.end()
}

func (s *sender) flowStarted(f *frame) {
	s.begin(evFlowStarted)
	s.md("frame_id", string(f.id[:]))
	s.md("flow_id", f.flowID())
	s.md("step_id", "START")
	if f.flow != nil || f.user {
		s.md("type", "flow")
	} else {
		s.md("type", f.pat)
	}
	s.mdEnd()
	s.str("flow_id", f.flowID())
	s.end()
}

// user writes a user event. cmd is one command object or nil; intent ""
// means CALM's {"name": null, "confidence": 0.0} unless the sender runs NLU.
func (s *sender) user(text *jtext, cmd []byte, intent string, hint *flowC) {
	g := s.g
	s.begin(evUser)
	s.buf = append(s.buf, s.chMeta...)
	s.mdEnd()
	s.raw("text", text.json)
	s.buf = append(s.buf, `, "parse_data": {"intent": {"name": `...)
	switch {
	case intent == "session_start" || intent == "restart":
		s.buf = append(s.buf, '"')
		s.buf = append(s.buf, intent...)
		s.buf = append(s.buf, `", "confidence": 1.0`...)
	case s.nlu && intent != "":
		s.buf = append(s.buf, '"')
		s.buf = append(s.buf, intent...)
		s.buf = append(s.buf, `", "confidence": `...)
		s.buf = appendPyFloat(s.buf, math.Round((0.42+0.57*s.r.float())*1e4)/1e4)
	default:
		s.buf = append(s.buf, `null, "confidence": 0.0`...)
	}
	if g.cfg.QuirkRate > 0 && g.out.chance(g.cfg.QuirkRate) {
		g.stats.Quirks++
		s.quirk()
	}
	s.buf = append(s.buf, `}, "entities": [], "text": `...)
	s.buf = append(s.buf, text.json...)
	mid := len(s.buf) + len(`, "message_id": "`)
	s.buf = append(s.buf, `, "message_id": "`...)
	s.buf = appendHex(s.buf, &s.r, 32)
	s.buf = append(s.buf, `", "metadata": {`...)
	if len(s.chMeta) > 0 {
		s.buf = append(s.buf, s.chMeta[:len(s.chMeta)-2]...) // without the trailing ", "
	}
	s.buf = append(s.buf, `}, "commands": [`...)
	s.buf = append(s.buf, cmd...)
	s.buf = append(s.buf, `], "text_tokens": `...)
	s.buf = append(s.buf, text.tokens...)
	if s.newest && s.r316 && intent != "session_start" {
		s.semanticSearch(hint)
	}
	s.buf = append(s.buf, `}, "input_channel": "`...)
	s.buf = append(s.buf, s.channel...)
	s.buf = append(s.buf, `", "message_id": "`...)
	s.buf = append(s.buf, s.buf[mid:mid+32]...)
	s.buf = append(s.buf, '"')
	s.end()
	s.userSent()
	if s.reminderAt > 0 {
		// the user wrote before the reminder fired: kill_on_user_msg
		s.reminderAt = 0
		s.tick(2*ms, 20*ms)
		s.base(evCancelReminder)
	}
}

// quirk adds what some NLU pipelines really send: NaN/Infinity tokens or a
// huge integer intent id (the intent object is still open).
func (s *sender) quirk() {
	switch s.r.intn(4) {
	case 0, 1:
		// replace the confidence just written
		i := len(s.buf) - 1
		for s.buf[i] != ' ' {
			i--
		}
		s.buf = s.buf[:i+1]
		s.buf = append(s.buf, [...]string{"NaN", "Infinity", "-Infinity"}[s.r.intn(3)]...)
	default:
		s.buf = append(s.buf, `, "id": -`...)
		s.buf = strconv.AppendUint(s.buf, 1<<60+s.r.u64()>>4, 10)
	}
}

// semanticSearch appends flows_from_semantic_search and flows_in_prompt.
func (s *sender) semanticSearch(hint *flowC) {
	fl := s.a.plain
	var picks [3]*flowC
	n := 0
	if hint != nil {
		picks[0] = hint
		n = 1
	}
	for tries := 0; n < 3 && tries < 8; tries++ {
		f := fl[s.r.intn(len(fl))]
		if f != picks[0] && f != picks[1] {
			picks[n] = f
			n++
		}
	}
	s.buf = append(s.buf, `, "flows_from_semantic_search": [`...)
	score := 0.80 + 0.08*s.r.float()
	for i := 0; i < n; i++ {
		if i > 0 {
			s.buf = append(s.buf, ", "...)
		}
		s.buf = append(s.buf, `["`...)
		s.buf = append(s.buf, picks[i].id...)
		s.buf = append(s.buf, `", `...)
		s.buf = appendPyFloat(s.buf, score)
		s.buf = append(s.buf, ']')
		score -= 0.01 + 0.06*s.r.float()
	}
	s.buf = append(s.buf, `], "flows_in_prompt": [`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			s.buf = append(s.buf, ", "...)
		}
		s.buf = append(s.buf, '"')
		s.buf = append(s.buf, picks[i].id...)
		s.buf = append(s.buf, '"')
	}
	s.buf = append(s.buf, ']')
}

// external writes a reminder's externally triggered user message.
func (s *sender) external() {
	s.begin(evUser)
	s.buf = append(s.buf, `"is_external": true, `...)
	s.mdEnd()
	s.raw("text", txtExternal.json)
	s.buf = append(s.buf, `, "parse_data": {"intent": {"name": "EXTERNAL_remind_call", "confidence": 1.0}, "entities": [], "text": `...)
	s.buf = append(s.buf, txtExternal.json...)
	mid := len(s.buf) + len(`, "message_id": "`)
	s.buf = append(s.buf, `, "message_id": "`...)
	s.buf = appendHex(s.buf, &s.r, 32)
	s.buf = append(s.buf, `", "metadata": {}, "commands": [], "text_tokens": `...)
	s.buf = append(s.buf, txtExternal.tokens...)
	s.buf = append(s.buf, `}, "input_channel": null, "message_id": "`...)
	s.buf = append(s.buf, s.buf[mid:mid+32]...)
	s.buf = append(s.buf, '"')
	s.end()
	s.userSent()
}

func (s *sender) userSent() {
	s.botAt = s.t + s.latency()
	s.botPending = true
	if s.feat {
		s.tick(1*ms, 3*ms)
		s.begin(evUserFeaturization)
		s.mdEnd()
		s.buf = append(s.buf, `, "use_text_for_featurization": false`...)
		s.end()
	}
}

// latency is the time from a user message to the first bot reply: log-normal
// around 700 ms, with a long tail of slow LLM calls.
func (s *sender) latency() int64 {
	if s.r.chance(0.012) {
		return s.r.between(5*sec, 40*sec)
	}
	return s.r.logNormalUs(700*ms, 0.55, 120*ms, 20*sec)
}

// ------------------------------------------------------------------ timing

func (s *sender) tick(lo, hi int64) { s.t += s.r.between(lo, hi) }

// small steps between the events Rasa appends while processing a message
func (s *sender) tStack()  { s.tick(800, 4*ms) }
func (s *sender) tAction() { s.tick(2*ms, 22*ms) }

// tBot places a bot message: the turn's first one not before botAt.
func (s *sender) tBot() {
	if s.botPending {
		s.tick(1*ms, 30*ms)
		s.t = max(s.t, s.botAt)
		s.botPending = false
		return
	}
	s.tick(15*ms, 160*ms)
}

// ------------------------------------------------------------------- stack

// Stack changes are collected as JSON patch operations and written as one
// stack event right before the next other event.

func (s *sender) opSep() {
	g := s.g
	if len(g.ops) == 0 {
		g.ops = append(g.ops, '[')
	} else {
		g.ops = append(g.ops, ", "...)
	}
}

func (s *sender) opAdd(i int, f *frame, ftype string, extra []byte) {
	g := s.g
	s.opSep()
	g.ops = append(g.ops, `{"op": "add", "path": "/`...)
	g.ops = strconv.AppendInt(g.ops, int64(i), 10)
	g.ops = append(g.ops, `", "value": {"frame_id": "`...)
	g.ops = append(g.ops, f.id[:]...)
	g.ops = append(g.ops, `", "flow_id": "`...)
	g.ops = append(g.ops, f.flowID()...)
	g.ops = append(g.ops, `", "step_id": "START"`...)
	if f.flow != nil || f.user {
		g.ops = append(g.ops, `, "frame_type": "`...)
		g.ops = append(g.ops, ftype...)
		g.ops = append(g.ops, `", "type": "flow"}}`...)
		return
	}
	if len(extra) > 0 {
		g.ops = append(g.ops, ", "...)
		g.ops = append(g.ops, extra...)
	}
	g.ops = append(g.ops, `, "type": "`...)
	g.ops = append(g.ops, f.pat...)
	g.ops = append(g.ops, `"}}`...)
}

func (s *sender) opRemove(i int) {
	g := s.g
	s.opSep()
	g.ops = append(g.ops, `{"op": "remove", "path": "/`...)
	g.ops = strconv.AppendInt(g.ops, int64(i), 10)
	g.ops = append(g.ops, `"}`...)
}

// setStep moves frame i to step, recording a replace operation.
func (s *sender) setStep(i int, step string) {
	f := &s.stack[i]
	if f.step == step {
		return
	}
	f.step = step
	if f.flow == nil && !f.user {
		return // pattern-internal steps are not tracked on the wire
	}
	g := s.g
	s.opSep()
	g.ops = append(g.ops, `{"op": "replace", "path": "/`...)
	g.ops = strconv.AppendInt(g.ops, int64(i), 10)
	g.ops = append(g.ops, `/step_id", "value": "`...)
	g.ops = append(g.ops, step...)
	g.ops = append(g.ops, `"}`...)
}

func (s *sender) flushStack() {
	g := s.g
	if len(g.ops) == 0 {
		return
	}
	g.ops = append(g.ops, ']')
	s.tStack()
	s.curStart, s.curTs, s.curTyp = len(s.buf), s.t, evStack
	s.buf = append(s.buf, s.prefix...)
	s.buf = append(s.buf, `stack", "timestamp": `...)
	s.buf = appendTS(s.buf, s.t)
	s.buf = append(s.buf, `, "metadata": {`...)
	s.buf = append(s.buf, s.mdTail...)
	s.buf = append(s.buf, `, "update": "`...)
	for _, c := range g.ops {
		if c == '"' || c == '\\' {
			s.buf = append(s.buf, '\\')
		}
		s.buf = append(s.buf, c)
	}
	s.buf = append(s.buf, '"')
	g.ops = g.ops[:0]
	s.end()
	s.tStack()
}

// push adds a frame on top and writes stack + flow_started.
func (s *sender) push(f frame, ftype string, extra []byte) {
	if s.depth == maxDeep {
		s.dropBottom()
	}
	f.id = newFrameID(&s.r)
	f.step = "START"
	s.stack[s.depth] = f
	s.opAdd(s.depth, &s.stack[s.depth], ftype, extra)
	s.depth++
	s.tStack()
	s.flowStarted(&s.stack[s.depth-1])
}

// dropBottom keeps the stack bounded (never reached by default content).
func (s *sender) dropBottom() {
	s.opRemove(0)
	copy(s.stack[:], s.stack[1:s.depth])
	s.depth--
}

// complete ends the top frame: flow_completed, then its removal.
func (s *sender) complete() {
	f := &s.stack[s.depth-1]
	s.tStack()
	s.flowEvent(evFlowCompleted, f.flowID(), "END")
	s.removeAt(s.depth - 1)
}

func (s *sender) removeAt(i int) {
	s.opRemove(i)
	copy(s.stack[i:], s.stack[i+1:s.depth])
	s.depth--
}

func (s *sender) pushPattern(id string, extra []byte) {
	s.push(frame{pat: id}, "", extra)
}

func (s *sender) topStep(step string) { s.setStep(s.depth-1, step) }

// flowStep runs one action step of the flow on top of the stack.
func (s *sender) flowStep(step, action string) {
	s.topStep(step)
	s.tAction()
	s.action(action, polFlow)
}

// say utters a bot message, without buttons or agent, after a bot's delay.
func (s *sender) say(text []byte, utter, source string) {
	s.tBot()
	s.bot(text, utter, source, nil, "")
}

func (s *sender) listen(aw await) {
	s.tick(5*ms, 25*ms)
	s.action("action_listen", polFlow)
	s.aw = aw
}

// --------------------------------------------------------------- sessions

// startSession writes action_session_start, session_started, action_listen
// at s.t for a new session (and a /session_start turn on channels that send it).
func (s *sender) startSession(restart bool) {
	s.newSession()
	s.action("action_session_start", polNullOne)
	s.tick(1*ms, 3*ms)
	s.base(evSessionStarted)
	greet := !s.trigger && !restart && s.r.chance(0.15)
	if greet {
		s.tick(4*ms, 40*ms)
		s.bot(s.a.greeting.json, "utter_greet", "TemplatedNaturalLanguageGenerator", nil, "")
	}
	s.tick(5*ms, 20*ms)
	s.action("action_listen", polNullNull)
	if s.r316 && s.r.chance(0.01) {
		s.tick(2*ms, 10*ms)
		s.begin(evActionExecutionRejected)
		s.mdEnd()
		s.buf = append(s.buf, `, "name": "action_session_start", "policy": null, "confidence": null`...)
		s.end()
	}
	if s.trigger && !restart {
		s.tick(150*ms, 1500*ms)
		s.user(&txtSessionStart, cmdSessionStart, "session_start", nil)
		s.botAt = s.t + s.r.logNormalUs(250*ms, 0.5, 40*ms, 3*sec)
		s.pushPattern("pattern_session_start", nil)
		s.topStep("0_utter_greet")
		s.tAction()
		s.action("utter_greet", polFlow)
		s.tBot()
		s.bot(s.a.greeting.json, "utter_greet", "TemplatedNaturalLanguageGenerator", nil, "")
		s.complete()
		s.listen(awOpen)
	}
}

// newSession resets the dialogue state, picks the model serving at s.t and
// (Rasa >= 3.16) a new session_id.
func (s *sender) newSession() {
	g := s.g
	g.beginSession(s)
	s.depth, s.aw, s.cur, s.intr = 0, awOpen, nil, nil
	s.turns, s.fails, s.flowsDone = 0, 0, 0
	s.leaving, s.handedOver, s.escalated = false, false, false
	s.reminderAt, s.unpauseAt = 0, 0
	s.maxTurns = 4 + s.r.intn(14)
	s.pickModel()
	s.mdTail = append(s.mdTail[:0], `"model_id": "`...)
	s.mdTail = append(s.mdTail, s.model.id...)
	s.mdTail = append(s.mdTail, `", "assistant_id": "`...)
	s.mdTail = append(s.mdTail, s.a.name...)
	if s.r316 {
		s.mdTail = append(s.mdTail, `", "model_name": "`...)
		s.mdTail = append(s.mdTail, s.model.name...)
		s.mdTail = append(s.mdTail, `", "session_id": "`...)
		s.mdTail = appendUUID4(s.mdTail, &s.r)
	}
	s.mdTail = append(s.mdTail, `"}`...)
	if s.channel == "audiocodes" {
		s.chMeta = append(s.chMeta[:0], `"call_id": "`...)
		s.chMeta = appendUUID4(s.chMeta, &s.r)
		s.chMeta = append(s.chMeta, `", "user_phone": "`...)
		s.chMeta = append(s.chMeta, s.phone...)
		s.chMeta = append(s.chMeta, `", `...)
	}
}

func (s *sender) pickModel() {
	ms := s.a.models
	i := 0
	for j := range ms {
		if s.t >= ms[j].from {
			i = j
		}
	}
	// a rolling deployment: for six hours the previous model still serves some sessions
	if i > 0 && s.t-ms[i].from < 6*hour && s.r.float()*float64(6*hour) > float64(s.t-ms[i].from) {
		i--
	}
	s.model = &ms[i]
	s.newest = i == len(ms)-1 && i > 0
}

// ------------------------------------------------------------------ chunks

// fill encodes the chunk planned in s.next at s.nextAt.
func (s *sender) fill() {
	s.buf, s.evs, s.pos = s.buf[:0], s.evs[:0], 0
	s.t = s.nextAt
	switch s.next {
	case kStart:
		s.left--
		s.startSession(false)
	case kResume:
		s.left--
		s.newSession()
		if s.r.chance(0.2) {
			s.base(evResume)
			s.tick(50*ms, 2*sec)
		}
		s.turn()
	case kTurn:
		s.turn()
	case kExternal:
		s.reminderAt = 0
		s.external()
		s.tAction()
		s.action("utter_remind_call", polFlow)
		s.tBot()
		s.bot(botReminder.json, "utter_remind_call", "TemplatedNaturalLanguageGenerator", nil, "")
		s.listen(s.aw)
	case kUnpause:
		s.unpauseAt = 0
		s.base(evResume)
		s.leaving = false
		s.aw = awOpen
	case kEnd:
		s.endSession()
	}
}

// plan decides the next chunk and its time, after the current one.
func (s *sender) plan() {
	last := s.t
	switch {
	case s.next == kEnd || s.next == kDone:
		s.planNextSession(last)
		return
	case s.unpauseAt > 0:
		s.next, s.nextAt = kUnpause, s.unpauseAt
		return
	case s.reminderAt > 0:
		if s.r.chance(0.7) {
			s.next, s.nextAt = kExternal, max(s.reminderAt, last+sec)
			return
		}
		// the user writes first; the reminder is cancelled in that turn
	}
	if s.leaves() {
		s.planEnd(last)
		return
	}
	s.next = kTurn
	s.nextAt = last + s.thinkTime()
}

// leaves decides whether the user walks away now.
func (s *sender) leaves() bool {
	if s.leaving || s.turns >= s.maxTurns {
		return true
	}
	p := 0.0
	switch s.aw {
	case awOpen:
		switch {
		case s.turns == 0:
			p = 0.06
		case s.escalated:
			p = 0.35
		case s.fails >= 2:
			p = 0.3
		default:
			p = 0.1
		}
	case awSlot:
		p = 0.045
	case awAnything:
		p = 0.28
	case awCSAT:
		p = 0.33
	case awConfirm, awClarify:
		p = 0.08
	case awAgent:
		p = 0.06
	case awForm:
		p = 0.3
	}
	return s.r.chance(p)
}

func (s *sender) thinkTime() int64 {
	switch s.aw {
	case awCSAT, awConfirm:
		return s.r.logNormalUs(5*sec, 0.6, 1500*ms, 5*minute)
	case awSlot:
		return s.r.logNormalUs(9*sec, 0.7, 1500*ms, 8*minute)
	}
	if s.turns == 0 && !s.trigger {
		return s.r.logNormalUs(3*sec, 0.8, 100*ms, 2*minute)
	}
	return s.r.logNormalUs(12*sec, 0.8, 2*sec, 10*minute)
}

// planEnd schedules how the session ends: session_ended (3.16:
// session_expired after the 60-minute expiration, or closed_by_api),
// conversation_inactive (the session timer), or nothing at all.
func (s *sender) planEnd(last int64) {
	x := s.r.float()
	if s.r316 {
		switch {
		case x < 0.40:
			s.endKind, s.nextAt = endExpired, last+hour+s.r.between(500*ms, 60*sec)
		case x < 0.55:
			s.endKind, s.nextAt = endClosed, last+s.r.logUniformUs(5*sec, 20*minute)
		case x < 0.90:
			s.endKind, s.nextAt = endInactive, last+s.r.between(20*minute, 30*minute)
		default:
			s.endKind = endNone
			s.planNextSession(last)
			return
		}
	} else {
		if x < 0.45 {
			s.endKind, s.nextAt = endInactive, last+s.r.between(20*minute, 30*minute)
		} else {
			s.endKind = endNone
			s.planNextSession(last)
			return
		}
	}
	s.next = kEnd
}

// planNextSession schedules the sender's next session after a gap, or ends it.
func (s *sender) planNextSession(last int64) {
	if s.left <= 0 {
		s.next = kDone
		return
	}
	var gap int64
	switch x := s.r.float(); {
	case x < 0.4:
		gap = s.r.logUniformUs(20*minute, 3*hour)
	case x < 0.8:
		gap = s.r.logUniformUs(3*hour, 30*hour)
	default:
		gap = s.r.logUniformUs(30*hour, 4*day)
	}
	s.nextAt = last + gap
	s.next = kStart
	if s.r316 && s.endKind == endInactive && s.r.chance(0.7) {
		s.next = kResume
	}
}

type endKind uint8

const (
	endNone endKind = iota
	endExpired
	endClosed
	endInactive
)

func (s *sender) endSession() {
	switch s.endKind {
	case endExpired:
		s.sessionEnded("session_expired")
	case endClosed:
		if s.r.chance(0.3) {
			s.begin(evSessionPaused)
			s.mdEnd()
			s.buf = append(s.buf, `, "reason": "`...)
			s.buf = append(s.buf, [...]string{"Widget closed", "User navigated away", "Call ended"}[s.r.intn(3)]...)
			s.buf = append(s.buf, '"')
			s.end()
			s.tick(1*sec, 3*minute)
		}
		s.sessionEnded("closed_by_api")
	default:
		s.base(evConversationInactive)
	}
}

func (s *sender) sessionEnded(reason string) {
	s.begin(evSessionEnded)
	s.md("_reason", reason)
	s.mdEnd()
	s.end()
}
