package traffic

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Everything a conversation writes is compiled once into JSON fragments, so
// that generating an event is mostly appending bytes.

// jtext is a text as a JSON string literal plus its text_tokens array.
type jtext struct {
	raw    string
	json   []byte
	tokens []byte
}

func mkText(s string) jtext {
	return jtext{raw: s, json: appendPyString(nil, s), tokens: textTokens(s)}
}

func mkTexts(ss ...string) []jtext {
	out := make([]jtext, len(ss))
	for i, s := range ss {
		out[i] = mkText(s)
	}
	return out
}

type answerC struct {
	text       jtext
	value      []byte // JSON
	cmd        []byte // set slot command
	correction jtext  // "sorry, I meant ..."
	corrCmd    []byte // correct slot command
	corrBot    jtext  // "Ok, I am updating ..."
	corrFrame  []byte // "corrected_slots": {...} inner JSON (unescaped)
}

type slotC struct {
	name     string
	utter    string // utter_ask_<name>
	askStep  string // "<i>_collect_<name>"
	ask      jtext
	answers  []answerC
	frameSfx []byte // collect frame fields after step_id (unescaped JSON)
}

type qaC struct{ q, a jtext }

type flowC struct {
	id          string
	human       string // "transfer money"
	cmd         []byte // start flow command
	triggers    []jtext
	slots       []slotC
	action      string
	actionStep  string
	response    string
	respStep    string
	respText    jtext
	handoff     bool
	agent       string
	agentTurns  []qaC
	agentIntro  jtext
	agentCmd    []byte
	agentStep   string
	continueBot jtext // "Let's continue with ..."
	cancelBot   jtext // "Okay, stopping ..."
}

type modelC struct {
	id, name string
	from     int64 // µs since epoch
}

type asstC struct {
	name       string
	models     []modelC
	chans      []string
	chanCum    []float64
	flows      []*flowC
	flowCum    []float64 // all flows (3.16 senders)
	flowCumOld []float64 // without agent flows
	plain      []*flowC  // flows usable for clarification / interruption
	knowledge  []qaC
	greeting   jtext
	csatScale  bool
	confirm    bool
}

var (
	txtSessionStart = mkText("/session_start")
	txtRestart      = mkText("/restart")
	txtExternal     = mkText("EXTERNAL: EXTERNAL_remind_call")

	chitchat = []qaC{
		{mkText("hi"), mkText("Hi there!")},
		{mkText("hello"), mkText("Hello! What can I do for you?")},
		{mkText("thanks!"), mkText("Happy to help!")},
		{mkText("tell me a joke"), mkText("Why did the chatbot cross the road? To get to the other API.")},
		{mkText("how are you?"), mkText("I'm doing great, thanks for asking!")},
		{mkText("you're a bot, right?"), mkText("Yes, I'm a virtual assistant.")},
		{mkText("good morning"), mkText("Good morning! How can I help?")},
		{mkText("ok cool"), mkText("Great!")},
	}
	handoffAsk = mkTexts("I want to talk to a human", "real person", "agent please!!", "can I speak to someone", "this is useless, get me a human", "operator", "I need a real person now")
	noThanks   = mkTexts("no, that's all", "no thanks", "that's it, bye", "nope, thanks!", "ok bye", "all good, thank you")
	gibberish  = mkTexts("asdfgh", "banana phone", "???", "what is the meaning of life on mars tuesday", "blorp", "k")
	fragments  = mkTexts("hello?", "hi", "wait", "so", "um")
	cancelAsk  = mkTexts("never mind, stop", "cancel", "forget it", "stop please", "I changed my mind")
	clarifyAsk = mkTexts("I have a question about my account", "help with my card", "something is wrong", "I need help", "it's about my contract")
	confirmYes = mkTexts("yes", "yes please", "yeah", "/SetSlots(confirm_human_handoff=true)")
	confirmNo  = mkTexts("no", "no, never mind", "actually no")
	whyAsk     = mkText("why do you ask?")
	feedbackTx = mkTexts("the app could be faster", "all good", "more payment options please", "nothing, thanks")

	botAnythingElse  = mkText("Is there anything else I can help you with?")
	botAnythingSrch  = mkText("Anything else I can tell you about that?")
	botAlsoWebsite   = mkText("You can also find this on our website.")
	botRephrase      = mkText("I’m sorry I am unable to understand you, could you please rephrase?")
	botNotAvailable  = mkText("Sorry, no agent is available right now. Is there anything else I can do?")
	botConnecting    = mkText("Connecting you to an agent...")
	botConfirmAsk    = mkText("Do you want me to connect you to a human agent?")
	botKeepHelping   = mkText("Okay, I'll keep helping you myself.")
	botGoodbye       = mkText("Goodbye! Have a great day.")
	botCsatBinary    = mkText("Were you satisfied with this conversation?")
	botCsatScale     = mkText("How would you rate this conversation from 1 to 5?")
	botCsatThanks    = mkText("Thank you for your feedback!")
	botCsatThanksBad = mkText("Thank you! We're sorry it wasn't better and will use your feedback to improve.")
	botReminderSet   = mkText("Okay, I'll remind you in a few minutes.")
	botReminder      = mkText("Reminder: we wanted to call you back about your request.")
	botInternalError = mkText("Sorry, I am having trouble with that. Please try again in a few minutes.")
	botFeedbackAsk   = mkText("Is there anything we could do better?")
	botFeedbackWhy   = mkText("It helps us improve our service.")
	botFeedbackThx   = mkText("Thanks for the feedback!")

	csatButtonsBinary = []byte(`[{"title": "Yes \ud83d\udc4d", "payload": "/SetSlots(csat_score=satisfied)"}, {"title": "No \ud83d\udc4e", "payload": "/SetSlots(csat_score=unsatisfied)"}]`)
	csatButtonsScale  = []byte(`[{"title": "1", "payload": "/SetSlots(csat_score=1)"}, {"title": "2", "payload": "/SetSlots(csat_score=2)"}, {"title": "3", "payload": "/SetSlots(csat_score=3)"}, {"title": "4", "payload": "/SetSlots(csat_score=4)"}, {"title": "5", "payload": "/SetSlots(csat_score=5)"}]`)

	// CSAT replies: satisfied, unsatisfied and "other" (which the SPEC
	// classifies UNANSWERED) answers for both scales.
	csatBinarySat   = mkAnswers("csat_score", Answer{"/SetSlots(csat_score=satisfied)", "satisfied"}, Answer{"yes", "satisfied"}, Answer{"it was great", "satisfied"}, Answer{"yes, very helpful", "satisfied"}, Answer{"Yes 👍", "thumbs_up"}, Answer{"sure", "positive"}, Answer{"Satisfied", "Satisfied"})
	csatBinaryUnsat = mkAnswers("csat_score", Answer{"/SetSlots(csat_score=unsatisfied)", "unsatisfied"}, Answer{"not really", "unsatisfied"}, Answer{"actually no, it was bad", "unsatisfied"}, Answer{"No 👎", "thumbs_down"}, Answer{"no", "negative"})
	csatBinaryOther = mkAnswers("csat_score", Answer{"meh", "neutral"}, Answer{"maybe", "maybe"})
	csatScaleSat    = mkAnswers("csat_score", Answer{"5", 5}, Answer{"4", 4}, Answer{"/SetSlots(csat_score=5)", 5}, Answer{"/SetSlots(csat_score=4)", 4}, Answer{"3", "3"}, Answer{"⭐⭐⭐⭐⭐", 5}, Answer{"4 out of 5", "4"})
	csatScaleUnsat  = mkAnswers("csat_score", Answer{"1", 1}, Answer{"2", 2}, Answer{"/SetSlots(csat_score=1)", 1}, Answer{"terrible, 1", "1"})
	csatScaleOther  = mkAnswers("csat_score", Answer{"10/10", "10"}, Answer{"4.5", 4.5})
)

func mkAnswers(slot string, as ...Answer) []answerC {
	out := make([]answerC, len(as))
	for i, a := range as {
		c, err := compileAnswer(slot, a)
		if err != nil {
			panic(err)
		}
		out[i] = c
	}
	return out
}

func compileAnswer(slot string, a Answer) (answerC, error) {
	v, err := appendValue(nil, a.Value)
	if err != nil {
		return answerC{}, fmt.Errorf("slot %q answer %q: %w", slot, a.Text, err)
	}
	extractor := "LLM"
	if strings.HasPrefix(a.Text, "/SetSlots(") {
		extractor = "NLU"
	}
	cmd := []byte(`{"name": `)
	cmd = appendPyString(cmd, slot)
	cmd = append(cmd, `, "value": `...)
	cmd = append(cmd, v...)
	cmd = append(cmd, `, "extractor": "`...)
	cmd = append(cmd, extractor...)
	cmd = append(cmd, `", "command": "set slot"}`...)

	corrCmd := []byte(`{"corrected_slots": [{"name": `)
	corrCmd = appendPyString(corrCmd, slot)
	corrCmd = append(corrCmd, `, "value": `...)
	corrCmd = append(corrCmd, v...)
	corrCmd = append(corrCmd, `}], "command": "correct slot"}`...)

	frame := []byte(`"corrected_slots": {`)
	frame = appendPyString(frame, slot)
	frame = append(frame, ": "...)
	frame = append(frame, v...)
	frame = append(frame, '}')

	return answerC{
		text:       mkText(a.Text),
		value:      v,
		cmd:        cmd,
		correction: mkText("sorry, I meant " + a.Text),
		corrCmd:    corrCmd,
		corrBot:    mkText("Ok, I am updating " + slot + " to " + valueText(a.Value) + " respectively."),
		corrFrame:  frame,
	}, nil
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func compileAssistants(as []Assistant, startUs int64, spanUs int64) ([]*asstC, []float64, error) {
	var out []*asstC
	var weights []float64
	for ai, a := range as {
		if !validIdent(a.Name) {
			return nil, nil, fmt.Errorf("traffic: assistant %d: name %q must be a plain identifier", ai, a.Name)
		}
		w := a.Weight
		if w == 0 {
			w = 1
		}
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, nil, fmt.Errorf("traffic: assistant %s: weight %v", a.Name, a.Weight)
		}
		c := &asstC{name: a.Name, csatScale: a.CSATScale, confirm: a.HandoffConfirm}
		if len(a.Models) == 0 {
			return nil, nil, fmt.Errorf("traffic: assistant %s: no models", a.Name)
		}
		for _, m := range a.Models {
			if !validIdent(m.ID) || !validIdent(m.Name) {
				return nil, nil, fmt.Errorf("traffic: assistant %s: model id %q / name %q must be plain identifiers", a.Name, m.ID, m.Name)
			}
			if !(m.From >= 0 && m.From <= 1) {
				return nil, nil, fmt.Errorf("traffic: assistant %s: model %s: From %v not in [0, 1]", a.Name, m.Name, m.From)
			}
			c.models = append(c.models, modelC{id: m.ID, name: m.Name, from: startUs + int64(m.From*float64(spanUs))})
		}
		chans := a.Channels
		if len(chans) == 0 {
			chans = []Channel{{"rest", 1}}
		}
		var cw []float64
		for _, ch := range chans {
			if !validIdent(ch.Name) || !(ch.Weight > 0) {
				return nil, nil, fmt.Errorf("traffic: assistant %s: channel %q weight %v", a.Name, ch.Name, ch.Weight)
			}
			c.chans = append(c.chans, ch.Name)
			cw = append(cw, ch.Weight)
		}
		c.chanCum = cumulative(cw)
		if len(a.Flows) == 0 {
			return nil, nil, fmt.Errorf("traffic: assistant %s: no flows", a.Name)
		}
		var fw, fwOld []float64
		for _, f := range a.Flows {
			fc, err := compileFlow(a.Name, f)
			if err != nil {
				return nil, nil, err
			}
			c.flows = append(c.flows, fc)
			wt := f.Weight
			if wt <= 0 {
				wt = 1
			}
			fw = append(fw, wt)
			if fc.agent != "" {
				fwOld = append(fwOld, 0)
			} else {
				fwOld = append(fwOld, wt)
			}
			if !fc.handoff && fc.agent == "" {
				c.plain = append(c.plain, fc)
			}
		}
		if len(c.plain) < 2 {
			return nil, nil, fmt.Errorf("traffic: assistant %s: needs at least two flows without Handoff or Agent", a.Name)
		}
		c.flowCum = cumulative(fw)
		c.flowCumOld = cumulative(fwOld)
		for _, q := range a.Knowledge {
			c.knowledge = append(c.knowledge, qaC{mkText(q.Q), mkText(q.A)})
		}
		if len(c.knowledge) == 0 {
			c.knowledge = []qaC{{mkText("what are your opening hours?"), mkText("We are open 9-5.")}}
		}
		g := a.Greeting
		if g == "" {
			g = "Hi! I'm your assistant. How can I help?"
		}
		c.greeting = mkText(g)
		out = append(out, c)
		weights = append(weights, w)
	}
	return out, cumulative(weights), nil
}

func compileFlow(asst string, f Flow) (*flowC, error) {
	if !validIdent(f.ID) || strings.HasPrefix(f.ID, "pattern_") {
		return nil, fmt.Errorf("traffic: assistant %s: flow id %q must be a plain identifier not starting with pattern_", asst, f.ID)
	}
	if len(f.Triggers) == 0 {
		return nil, fmt.Errorf("traffic: assistant %s: flow %s has no triggers", asst, f.ID)
	}
	if f.Response == "" || f.ResponseText == "" || !validIdent(f.Response) {
		return nil, fmt.Errorf("traffic: assistant %s: flow %s needs Response and ResponseText", asst, f.ID)
	}
	if f.Action != "" && !validIdent(f.Action) {
		return nil, fmt.Errorf("traffic: assistant %s: flow %s: action %q", asst, f.ID, f.Action)
	}
	if f.Agent != "" && (!validIdent(f.Agent) || len(f.AgentTurns) == 0) {
		return nil, fmt.Errorf("traffic: assistant %s: flow %s: agent %q needs AgentTurns", asst, f.ID, f.Agent)
	}
	if f.Handoff && f.Action == "" {
		return nil, fmt.Errorf("traffic: assistant %s: handoff flow %s needs an Action (e.g. action_human_handoff)", asst, f.ID)
	}
	fc := &flowC{
		id:       f.ID,
		human:    strings.ReplaceAll(f.ID, "_", " "),
		triggers: mkTexts(f.Triggers...),
		action:   f.Action,
		response: f.Response,
		respText: mkText(f.ResponseText),
		handoff:  f.Handoff,
		agent:    f.Agent,
	}
	fc.cmd = []byte(`{"flow": "` + f.ID + `", "command": "start flow"}`)
	fc.continueBot = mkText("Let's continue with " + fc.human + ".")
	fc.cancelBot = mkText("Okay, stopping " + fc.human + ".")
	step := 0
	for _, s := range f.Slots {
		if !validIdent(s.Name) || len(s.Answers) == 0 || s.Ask == "" {
			return nil, fmt.Errorf("traffic: assistant %s: flow %s: slot %q needs a name, Ask and Answers", asst, f.ID, s.Name)
		}
		sc := slotC{name: s.Name, utter: "utter_ask_" + s.Name, askStep: strconv.Itoa(step) + "_collect_" + s.Name, ask: mkText(s.Ask)}
		for _, a := range s.Answers {
			ac, err := compileAnswer(s.Name, a)
			if err != nil {
				return nil, fmt.Errorf("traffic: assistant %s: flow %s: %w", asst, f.ID, err)
			}
			sc.answers = append(sc.answers, ac)
		}
		sc.frameSfx = []byte(`"collect": "` + s.Name + `", "utter": "` + sc.utter + `", "collect_action": "action_ask_` + s.Name + `", "rejections": []`)
		fc.slots = append(fc.slots, sc)
		step++
	}
	if f.Agent != "" {
		fc.agentStep = strconv.Itoa(step) + "_call_" + f.Agent
		step++
		for _, t := range f.AgentTurns {
			fc.agentTurns = append(fc.agentTurns, qaC{mkText(t.Q), mkText(t.A)})
		}
		intro := f.AgentIntro
		if intro == "" {
			intro = "Let me bring in our specialist assistant."
		}
		fc.agentIntro = mkText(intro)
		fc.agentCmd = []byte(`{"agent_id": "` + f.Agent + `", "command": "continue agent"}`)
	}
	if f.Action != "" {
		fc.actionStep = strconv.Itoa(step) + "_" + f.Action
		step++
	}
	fc.respStep = strconv.Itoa(step) + "_" + f.Response
	return fc, nil
}
