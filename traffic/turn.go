package traffic

import "unicode/utf8"

// A turn is one user message (sometimes two) and everything the assistant
// does in reaction, ending with action_listen. The user's move depends on
// what the assistant last asked for (s.aw).

func (s *sender) turn() {
	r := &s.r
	if (s.aw == awOpen || s.aw == awSlot || s.aw == awAnything) && r.chance(0.03) {
		// two user messages before one reply
		s.user(&fragments[r.intn(len(fragments))], nil, "", nil)
		s.botPending = false
		s.tick(20*ms, 60*ms)
		s.action("action_listen", polFlow)
		s.tick(800*ms, 4*sec)
	}
	s.turns++
	x := r.float()
	switch s.aw {
	case awSlot:
		switch {
		case x < 0.80:
			s.answer()
		case x < 0.83 && s.slotIdx > 0:
			s.correct()
		case x < 0.865:
			s.cancel()
		case x < 0.895 && s.intr == nil:
			s.startFlow(s.otherFlow(s.cur))
		case x < 0.925:
			s.knowledge()
		case x < 0.935:
			s.chitchat()
		case x < 0.96:
			s.handoff()
		case x < 0.98:
			s.cannotHandle()
		default:
			s.answer()
		}
	case awCSAT:
		s.csatAnswer()
	case awConfirm:
		s.confirmAnswer(x < 0.8)
	case awClarify:
		switch {
		case x < 0.85:
			s.startFlow(s.clar[r.intn(2)])
		case x < 0.90:
			s.handoff()
		default:
			s.knowledge()
		}
	case awAgent:
		s.agentReply()
	case awForm:
		s.formAnswer()
	case awAnything:
		switch {
		case x < 0.47:
			s.noThanks()
		case x < 0.75:
			s.startFlow(s.pickFlow())
		case x < 0.85:
			s.knowledge()
		case x < 0.92:
			s.chitchat()
		case x < 0.95:
			s.handoff()
		case x < 0.975:
			s.clarify()
		default:
			s.cannotHandle()
		}
	default: // awOpen
		if s.turns == 1 {
			switch {
			case x < 0.57:
				s.startFlow(s.pickFlow())
			case x < 0.73:
				s.knowledge()
			case x < 0.83:
				s.chitchat()
			case x < 0.865:
				s.handoff()
			case x < 0.91:
				s.cannotHandle()
			case x < 0.96:
				s.clarify()
			case x < 0.965:
				s.restart()
			default:
				s.startFlow(s.pickFlow())
			}
			break
		}
		hand := 0.04
		if s.fails >= 2 {
			hand = 0.2
		}
		switch {
		case x < 0.35:
			s.startFlow(s.pickFlow())
		case x < 0.53:
			s.knowledge()
		case x < 0.63:
			s.chitchat()
		case x < 0.63+hand:
			s.handoff()
		case x < 0.70+hand:
			s.cannotHandle()
		case x < 0.73+hand:
			s.clarify()
		case x < 0.74+hand:
			s.restart()
		case s.flowsDone > 0 || s.turns > 2:
			s.noThanks()
		default:
			s.startFlow(s.pickFlow())
		}
	}
	if r.chance(0.003) {
		s.tick(5*ms, 30*ms)
		s.base(evUndo)
	}
}

func (s *sender) pickFlow() *flowC {
	cum := s.a.flowCumOld
	if s.r316 {
		cum = s.a.flowCum
	}
	return s.a.flows[s.r.weighted(cum)]
}

// otherFlow picks a plain flow other than f (for interruptions).
func (s *sender) otherFlow(f *flowC) *flowC {
	for {
		o := s.a.plain[s.r.intn(len(s.a.plain))]
		if o != f {
			return o
		}
	}
}

// nluIntent names the intent an NLU pipeline would predict for a flow.
func nluIntent(f *flowC) string { return f.id }

// ------------------------------------------------------------------- flows

func (s *sender) startFlow(f *flowC) {
	s.user(&f.triggers[s.r.intn(len(f.triggers))], f.cmd, nluIntent(f), f)
	ftype := "regular"
	if s.aw == awSlot && s.cur != nil && s.depth >= 2 {
		// the new flow interrupts the one collecting a slot
		s.removeAt(s.depth - 1) // the collect frame
		s.tStack()
		s.flowEvent(evFlowInterrupted, s.cur.id, s.stack[s.depth-1].step)
		s.intr, s.intrSlot, s.intrAns = s.cur, s.slotIdx, s.answers
		ftype = "interrupt"
	} else if s.aw == awSlot || s.aw == awAgent {
		// drop whatever was going on
		s.depth = 0
	}
	s.push(frame{flow: f}, ftype, nil)
	s.cur, s.slotIdx = f, 0
	switch {
	case f.handoff:
		s.handoffFlow()
	case f.agent != "":
		s.agentStart()
	default:
		s.advance()
	}
}

// advance runs the current flow (on top of the stack) to its next collect
// step, or to its end.
func (s *sender) advance() {
	f := s.cur
	if s.slotIdx < len(f.slots) {
		sl := &f.slots[s.slotIdx]
		s.setStep(s.depth-1, sl.askStep)
		s.push(frame{pat: "pattern_collect_information"}, "", sl.frameSfx)
		s.ask(sl)
		return
	}
	s.finishFlow()
}

// ask runs pattern_collect_information's steps up to action_listen.
func (s *sender) ask(sl *slotC) {
	s.flowStep("start", "action_run_slot_rejections")
	s.flowStep("ask_collect", sl.utter)
	s.say(sl.ask.json, sl.utter, "TemplatedNaturalLanguageGenerator")
	s.listen(awSlot)
}

// reask repeats the open question after a digression.
func (s *sender) reask() {
	sl := &s.cur.slots[s.slotIdx]
	s.tAction()
	s.action(sl.utter, polFlow)
	s.say(sl.ask.json, sl.utter, "TemplatedNaturalLanguageGenerator")
	s.listen(awSlot)
}

func (s *sender) answer() {
	sl := &s.cur.slots[s.slotIdx]
	ai := s.r.intn(len(sl.answers))
	an := &sl.answers[ai]
	s.answers[s.slotIdx&7] = uint8(ai)
	s.user(&an.text, an.cmd, "inform", nil)
	if s.nlu && s.r.chance(0.1) {
		s.tick(1*ms, 4*ms)
		s.begin(evEntities)
		s.mdEnd()
		s.buf = append(s.buf, `, "entities": [{"entity": "`...)
		s.buf = append(s.buf, sl.name...)
		s.buf = append(s.buf, `", "start": 0, "end": `...)
		s.buf = appendInt(s.buf, utf8.RuneCountInString(an.text.raw))
		s.buf = append(s.buf, `, "value": `...)
		s.buf = append(s.buf, an.text.json...)
		s.buf = append(s.buf, `}]`...)
		s.end()
	}
	s.tick(3*ms, 22*ms)
	s.slot(sl.name, an.value)
	s.complete() // pattern_collect_information
	s.slotIdx++
	s.advance()
}

func (s *sender) finishFlow() {
	f := s.cur
	top := s.depth - 1
	if f.action != "" {
		s.setStep(top, f.actionStep)
		s.tAction()
		s.action(f.action, polFlow)
		s.tick(40*ms, 600*ms) // the action server
		if s.r.chance(0.025) {
			s.begin(evFollowup)
			s.mdEnd()
			s.buf = append(s.buf, `, "name": "action_log_interaction"`...)
			s.end()
			s.tAction()
			s.action("action_log_interaction", polNullOne)
		}
		if s.r316 && s.r.chance(0.005) {
			s.internalError()
			return
		}
	}
	s.setStep(top, f.respStep)
	s.tAction()
	s.action(f.response, polFlow)
	s.say(f.respText.json, f.response, "TemplatedNaturalLanguageGenerator")
	if s.reminderAt == 0 && s.r.chance(0.015) {
		s.tAction()
		s.action("action_set_reminder", polFlow)
		s.tick(2*ms, 10*ms)
		s.reminderAt = s.t + s.r.between(2*minute, 10*minute)
		s.reminderEvent()
		s.say(botReminderSet.json, "utter_reminder_set", "TemplatedNaturalLanguageGenerator")
	}
	s.complete()
	for i := range f.slots {
		s.tick(1*ms, 3*ms)
		s.slot(f.slots[i].name, jsonNull)
	}
	s.flowsDone++
	s.cur = nil
	if s.nlu && s.r.chance(0.2) {
		s.tick(1*ms, 5*ms)
		s.base(evRoutingSessionEnded)
	}
	s.afterFlow()
}

// resumeOrListen resumes an interrupted flow, or else waits for whatever the
// user says next: the end of a flow that was cancelled or failed.
func (s *sender) resumeOrListen() {
	if s.intr != nil && s.depth > 0 {
		s.continueInterrupted()
		return
	}
	s.intr = nil
	s.listen(awOpen)
}

// afterFlow resumes an interrupted flow or runs pattern_completed.
func (s *sender) afterFlow() {
	if s.intr != nil && s.depth > 0 {
		s.continueInterrupted()
		return
	}
	s.intr = nil
	if s.depth > 0 {
		// something else is still on the stack (not expected): just listen
		s.listen(awOpen)
		return
	}
	s.tick(1*ms, 4*ms)
	s.pushPattern("pattern_completed", nil)
	s.flowStep("0_utter_can_do_something_else", "utter_can_do_something_else")
	s.say(botAnythingElse.json, "utter_can_do_something_else", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.listen(awAnything)
}

func (s *sender) continueInterrupted() {
	a := s.intr
	g := s.g
	g.extra = append(g.extra[:0], `"previous_flow_name": "`...)
	g.extra = append(g.extra, a.human...)
	g.extra = append(g.extra, '"')
	s.pushPattern("pattern_continue_interrupted", g.extra)
	s.flowStep("0_utter_flow_continue_interrupted", "utter_flow_continue_interrupted")
	s.say(a.continueBot.json, "utter_flow_continue_interrupted", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.tStack()
	s.flowEvent(evFlowResumed, a.id, s.stack[s.depth-1].step)
	s.cur, s.slotIdx, s.answers, s.intr = a, s.intrSlot, s.intrAns, nil
	s.advance()
}

func (s *sender) cancel() {
	s.user(&cancelAsk[s.r.intn(len(cancelAsk))], cmdCancel, "stop", nil)
	s.removeAt(s.depth - 1) // the collect frame
	ci := s.depth - 1
	g := s.g
	g.extra = append(g.extra[:0], `"canceled_name": "`...)
	g.extra = append(g.extra, s.cur.human...)
	g.extra = append(g.extra, `", "canceled_frames": ["`...)
	g.extra = append(g.extra, s.stack[ci].id[:]...)
	g.extra = append(g.extra, `"]`...)
	s.pushPattern("pattern_cancel_flow", g.extra)
	s.flowStep("0_action_cancel_flow", "action_cancel_flow")
	s.tStack()
	s.flowEvent(evFlowCancelled, s.cur.id, s.stack[ci].step)
	s.removeAt(ci)
	s.flowStep("1_utter_flow_cancelled_rasa", "utter_flow_cancelled_rasa")
	s.say(s.cur.cancelBot.json, "utter_flow_cancelled_rasa", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.cur = nil
	s.resumeOrListen()
}

func (s *sender) correct() {
	j := s.r.intn(s.slotIdx)
	sl := &s.cur.slots[j]
	ai := s.r.intn(len(sl.answers))
	if len(sl.answers) > 1 && ai == int(s.answers[j&7]) {
		ai = (ai + 1) % len(sl.answers)
	}
	s.answers[j&7] = uint8(ai)
	an := &sl.answers[ai]
	s.user(&an.correction, an.corrCmd, "inform", nil)
	g := s.g
	g.extra = append(g.extra[:0], `"is_reset_only": false, `...)
	g.extra = append(g.extra, an.corrFrame...)
	g.extra = append(g.extra, `, "reset_flow_id": "`...)
	g.extra = append(g.extra, s.cur.id...)
	g.extra = append(g.extra, `", "reset_step_id": "`...)
	g.extra = append(g.extra, sl.askStep...)
	g.extra = append(g.extra, '"')
	s.pushPattern("pattern_correction", g.extra)
	s.flowStep("0_action_correct_flow_slot", "action_correct_flow_slot")
	s.tick(1*ms, 5*ms)
	s.slot(sl.name, an.value)
	s.flowStep("1_utter_corrected_previous_input", "utter_corrected_previous_input")
	s.say(an.corrBot.json, "utter_corrected_previous_input", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.reask()
}

// afterDigression returns to the open question, if any.
func (s *sender) afterDigression() {
	if s.aw == awSlot && s.cur != nil && s.depth > 0 && s.stack[s.depth-1].pat == "pattern_collect_information" {
		s.reask()
		return
	}
	if s.aw == awAgent && s.cur != nil {
		s.listen(awAgent)
		return
	}
	s.listen(awOpen)
}

func (s *sender) knowledge() {
	qa := &s.a.knowledge[s.r.intn(len(s.a.knowledge))]
	s.user(&qa.q, cmdKnowledge, "faq", nil)
	s.pushPattern("pattern_search", nil)
	s.flowStep("0_action_trigger_search", "action_trigger_search")
	s.say(qa.a.json, "", "EnterpriseSearchPolicy")
	if s.r.chance(0.25) {
		s.say(botAnythingSrch.json, "", "EnterpriseSearchPolicy")
		if s.r.chance(0.2) {
			s.say(botAlsoWebsite.json, "", "EnterpriseSearchPolicy")
		}
	}
	s.complete()
	s.afterDigression()
}

func (s *sender) chitchat() {
	qa := &chitchat[s.r.intn(len(chitchat))]
	s.user(&qa.q, cmdChitchat, "chitchat", nil)
	s.pushPattern("pattern_chitchat", nil)
	if s.r316 {
		s.flowStep("0_utter_free_chitchat_response", "utter_free_chitchat_response")
		s.say(qa.a.json, "utter_free_chitchat_response", "ContextualResponseRephraser")
	} else {
		s.flowStep("0_action_trigger_chitchat", "action_trigger_chitchat")
		s.say(qa.a.json, "", "IntentlessPolicy")
	}
	s.complete()
	s.afterDigression()
}

func (s *sender) cannotHandle() {
	s.user(&gibberish[s.r.intn(len(gibberish))], cmdCannot, "nlu_fallback", nil)
	s.pushPattern("pattern_cannot_handle", nil)
	s.flowStep("0_utter_ask_rephrase", "utter_ask_rephrase")
	s.say(botRephrase.json, "utter_ask_rephrase", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.fails++
	s.afterDigression()
	if s.r.chance(0.15) {
		s.tick(2*ms, 15*ms)
		s.base(evRewind)
	}
}

func (s *sender) clarify() {
	pl := s.a.plain
	i := s.r.intn(len(pl))
	j := (i + 1 + s.r.intn(len(pl)-1)) % len(pl)
	f1, f2 := pl[i], pl[j]
	g := s.g
	g.tmp = append(g.tmp[:0], `{"options": ["`...)
	g.tmp = append(g.tmp, f1.id...)
	g.tmp = append(g.tmp, `", "`...)
	g.tmp = append(g.tmp, f2.id...)
	g.tmp = append(g.tmp, `"], "command": "clarify"}`...)
	s.user(&clarifyAsk[s.r.intn(len(clarifyAsk))], g.tmp, "", nil)
	g.extra = append(g.extra[:0], `"names": ["`...)
	g.extra = append(g.extra, f1.human...)
	g.extra = append(g.extra, `", "`...)
	g.extra = append(g.extra, f2.human...)
	g.extra = append(g.extra, `"], "clarification_options": ""`...)
	s.pushPattern("pattern_clarification", g.extra)
	s.flowStep("0_action_clarify_flows", "action_clarify_flows")
	s.flowStep("1_utter_clarification_options_rasa", "utter_clarification_options_rasa")
	s.tBot()
	g.tmp = append(g.tmp[:0], `"I can help, but I need more information. Which of these would you like to do: `...)
	g.tmp = append(g.tmp, f1.human...)
	g.tmp = append(g.tmp, " or "...)
	g.tmp = append(g.tmp, f2.human...)
	g.tmp = append(g.tmp, `?"`...)
	s.bot(g.tmp, "utter_clarification_options_rasa", "TemplatedNaturalLanguageGenerator", nil, "")
	s.complete()
	s.clar = [2]*flowC{f1, f2}
	s.listen(awClarify)
}

func (s *sender) restart() {
	s.user(&txtRestart, cmdRestart, "restart", nil)
	s.botPending = false
	s.pushPattern("pattern_restart", nil)
	s.flowStep("0_action_restart", "action_restart")
	s.tick(2*ms, 10*ms)
	s.base(evRestart)
	if s.r.chance(0.3) {
		s.tick(1*ms, 5*ms)
		s.base(evResetSlots)
	}
	s.depth = 0
	s.tick(300*ms, 2500*ms)
	s.startSession(true)
}

// --------------------------------------------------------------- handoff

func (s *sender) handoff() {
	cmd := cmdHandoffOld
	if s.r316 {
		cmd = cmdHandoff316
	}
	s.user(&handoffAsk[s.r.intn(len(handoffAsk))], cmd, "human_handoff", nil)
	before := s.aw
	if before == awAgent || before == awClarify {
		before = awOpen
	}
	s.pushPattern("pattern_human_handoff", nil)
	s.escalated = true
	if s.a.confirm {
		s.topStep("0_collect_confirm_human_handoff")
		s.push(frame{pat: "pattern_collect_information"}, "", collectHandoff)
		s.flowStep("start", "action_run_slot_rejections")
		s.flowStep("ask_collect", "utter_ask_confirm_human_handoff")
		s.say(botConfirmAsk.json, "utter_ask_confirm_human_handoff", "TemplatedNaturalLanguageGenerator")
		s.awBefore = before
		s.listen(awConfirm)
		return
	}
	if s.r316 {
		s.flowStep("0_action_handoff_metric", "action_handoff_metric")
	}
	s.flowStep("1_utter_human_handoff_not_available", "utter_human_handoff_not_available")
	s.say(botNotAvailable.json, "utter_human_handoff_not_available", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.aw = before
	s.afterDigression()
}

func (s *sender) confirmAnswer(yes bool) {
	if yes {
		s.user(&confirmYes[s.r.intn(len(confirmYes))], cmdConfirmYes, "affirm", nil)
		s.tick(3*ms, 20*ms)
		s.slot("confirm_human_handoff", jsonTrue)
		s.complete() // collect
		if s.r316 {
			s.flowStep("1_action_handoff_metric", "action_handoff_metric")
		}
		s.flowStep("2_action_human_handoff", "action_human_handoff")
		s.tick(80*ms, 900*ms)
		s.flowStep("3_utter_transfer_to_agent", "utter_transfer_to_agent")
		s.say(botConnecting.json, "utter_transfer_to_agent", "TemplatedNaturalLanguageGenerator")
		s.complete() // pattern_human_handoff
		s.tick(1*ms, 3*ms)
		s.slot("confirm_human_handoff", jsonNull)
		s.depth = 0
		s.cur, s.intr = nil, nil
		s.listen(awOpen)
		s.handOver()
		return
	}
	s.user(&confirmNo[s.r.intn(len(confirmNo))], cmdConfirmNo, "deny", nil)
	s.tick(3*ms, 20*ms)
	s.slot("confirm_human_handoff", jsonFalse)
	s.complete() // collect
	s.flowStep("1_utter_human_handoff_cancelled", "utter_human_handoff_cancelled")
	s.say(botKeepHelping.json, "utter_human_handoff_cancelled", "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.tick(1*ms, 3*ms)
	s.slot("confirm_human_handoff", jsonNull)
	s.aw = s.awBefore
	s.afterDigression()
}

// handOver ends the bot's part: a human agent takes the conversation, the
// channel pauses the tracker and sometimes hands it back later.
func (s *sender) handOver() {
	s.handedOver, s.leaving = true, true
	if s.r.chance(0.6) {
		s.tick(100*ms, 1500*ms)
		s.base(evPause)
		if s.r.chance(0.3) {
			s.unpauseAt = s.t + s.r.between(4*minute, 40*minute)
		}
	}
}

func (s *sender) handoffFlow() {
	f := s.cur
	top := s.depth - 1
	s.escalated = true
	if s.r316 {
		s.setStep(top, "0_action_handoff_metric")
		s.tAction()
		s.action("action_handoff_metric", polFlow)
	}
	s.setStep(top, f.actionStep)
	s.tAction()
	s.action(f.action, polFlow)
	s.tick(80*ms, 900*ms)
	s.setStep(top, f.respStep)
	s.tAction()
	s.action(f.response, polFlow)
	s.say(f.respText.json, f.response, "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.depth = 0
	s.cur, s.intr = nil, nil
	s.listen(awOpen)
	s.handOver()
}

// ------------------------------------------------------------------ agents

func (s *sender) agentStart() {
	f := s.cur
	s.setStep(s.depth-1, f.agentStep)
	s.tAction()
	s.begin(evAgentStarted)
	s.mdEnd()
	s.str("flow_id", f.id)
	s.str("agent_id", f.agent)
	s.buf = append(s.buf, `, "context_id": "ctx-`...)
	for i := 0; i < 6; i++ {
		s.buf = append(s.buf, frameIDChars[s.r.intn(len(frameIDChars))])
	}
	s.buf = append(s.buf, '"')
	s.end()
	s.tBot()
	s.bot(f.agentIntro.json, "", "ReActSubAgent", nil, f.agent)
	s.agentIdx = 0
	s.listen(awAgent)
}

func (s *sender) agentReply() {
	f := s.cur
	if f == nil || f.agent == "" {
		s.aw = awOpen
		s.chitchat()
		return
	}
	t := &f.agentTurns[s.agentIdx%len(f.agentTurns)]
	s.user(&t.q, f.agentCmd, "", nil)
	s.tBot()
	s.bot(t.a.json, "", "ReActSubAgent", nil, f.agent)
	s.agentIdx++
	if s.agentIdx < len(f.agentTurns) && !s.r.chance(0.15) {
		s.listen(awAgent)
		return
	}
	s.tAction()
	s.begin(evAgentCompleted)
	s.mdEnd()
	s.str("flow_id", f.id)
	s.str("agent_id", f.agent)
	s.buf = append(s.buf, `, "status": "completed"`...)
	s.end()
	s.setStep(s.depth-1, f.respStep)
	s.tAction()
	s.action(f.response, polFlow)
	s.say(f.respText.json, f.response, "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.flowsDone++
	s.cur = nil
	s.afterFlow()
}

// ---------------------------------------------------------- end of session

func (s *sender) noThanks() {
	s.user(&noThanks[s.r.intn(len(noThanks))], nil, "goodbye", nil)
	switch {
	case s.r316 && s.r.chance(0.85):
		s.csatStart(true)
	case !s.r316 && s.r.chance(0.4):
		s.csatStart(false)
	case s.nlu && s.r.chance(0.4):
		s.formStart()
	default:
		s.tAction()
		s.action("utter_goodbye", polFlow)
		s.say(botGoodbye.json, "utter_goodbye", "TemplatedNaturalLanguageGenerator")
		s.listen(awOpen)
		s.leaving = true
	}
}

// csatStart asks for a rating: the built-in pattern_customer_satisfaction
// (Rasa >= 3.16) or a custom csat_survey flow.
func (s *sender) csatStart(pattern bool) {
	s.depth = 0
	if pattern {
		s.pushPattern("pattern_customer_satisfaction", nil)
	} else {
		s.push(frame{pat: "csat_survey", user: true}, "regular", nil)
	}
	s.setStep(0, "0_collect_csat_score")
	s.push(frame{pat: "pattern_collect_information"}, "", collectCSAT)
	s.flowStep("start", "action_run_slot_rejections")
	s.flowStep("ask_collect", "utter_ask_csat_score")
	s.tBot()
	if s.a.csatScale {
		s.bot(botCsatScale.json, "utter_ask_csat_score", "TemplatedNaturalLanguageGenerator", csatButtonsScale, "")
	} else {
		s.bot(botCsatBinary.json, "utter_ask_csat_score", "TemplatedNaturalLanguageGenerator", csatButtonsBinary, "")
	}
	s.listen(awCSAT)
}

func (s *sender) csatAnswer() {
	var pool []answerC
	x := s.r.float()
	sat := x < 0.66
	switch {
	case sat && s.a.csatScale:
		pool = csatScaleSat
	case sat:
		pool = csatBinarySat
	case x < 0.93 && s.a.csatScale:
		pool = csatScaleUnsat
	case x < 0.93:
		pool = csatBinaryUnsat
	case s.a.csatScale:
		pool = csatScaleOther
	default:
		pool = csatBinaryOther
	}
	an := &pool[s.r.intn(len(pool))]
	s.user(&an.text, an.cmd, "", nil)
	s.tick(3*ms, 22*ms)
	s.slot("csat_score", an.value)
	s.complete() // collect
	thanks, utter, step := botCsatThanks, "utter_csat_thank_you_satisfied", "1_utter_csat_thank_you_satisfied"
	if !sat && x < 0.93 {
		thanks, utter, step = botCsatThanksBad, "utter_csat_thank_you_unsatisfied", "1_utter_csat_thank_you_unsatisfied"
	}
	if s.depth > 0 && s.stack[s.depth-1].user {
		utter, step = "utter_thank_feedback", "1_utter_thank_feedback"
	}
	s.flowStep(step, utter)
	s.say(thanks.json, utter, "TemplatedNaturalLanguageGenerator")
	s.complete()
	s.tick(1*ms, 4*ms)
	s.slot("csat_score", jsonNull)
	s.listen(awOpen)
	s.leaving = s.r.chance(0.92)
}

// formStart runs a legacy (NLU) form through active_loop events.
func (s *sender) formStart() {
	s.tAction()
	s.action("feedback_form", polRule)
	s.tick(1*ms, 5*ms)
	s.activeLoop("feedback_form")
	s.tick(1*ms, 5*ms)
	s.slot("requested_slot", []byte(`"feedback_text"`))
	s.tAction()
	s.action("utter_ask_feedback_text", polRule)
	s.say(botFeedbackAsk.json, "utter_ask_feedback_text", "TemplatedNaturalLanguageGenerator")
	s.tick(5*ms, 25*ms)
	s.action("action_listen", polRule)
	s.aw = awForm
}

func (s *sender) activeLoop(name string) {
	s.begin(evActiveLoop)
	s.mdEnd()
	if name == "" {
		s.buf = append(s.buf, `, "name": null`...)
	} else {
		s.str("name", name)
	}
	s.end()
}

func (s *sender) loopInterrupted(v bool) {
	s.begin(evLoopInterrupted)
	s.mdEnd()
	if v {
		s.buf = append(s.buf, `, "is_interrupted": true`...)
	} else {
		s.buf = append(s.buf, `, "is_interrupted": false`...)
	}
	s.end()
}

func (s *sender) formAnswer() {
	if s.r.chance(0.2) {
		s.user(&whyAsk, nil, "ask_why", nil)
		s.tick(2*ms, 8*ms)
		s.loopInterrupted(true)
		s.tAction()
		s.action("utter_explain_feedback", polRule)
		s.say(botFeedbackWhy.json, "utter_explain_feedback", "TemplatedNaturalLanguageGenerator")
		s.tAction()
		s.action("feedback_form", polRule)
		s.tick(1*ms, 5*ms)
		s.loopInterrupted(false)
		s.tAction()
		s.action("utter_ask_feedback_text", polRule)
		s.say(botFeedbackAsk.json, "utter_ask_feedback_text", "TemplatedNaturalLanguageGenerator")
		s.tick(5*ms, 25*ms)
		s.action("action_listen", polRule)
		return
	}
	t := &feedbackTx[s.r.intn(len(feedbackTx))]
	s.user(t, nil, "inform", nil)
	s.tAction()
	s.action("feedback_form", polRule)
	s.tick(1*ms, 5*ms)
	s.slot("feedback_text", t.json)
	s.tick(1*ms, 3*ms)
	s.slot("requested_slot", jsonNull)
	s.tick(1*ms, 3*ms)
	s.activeLoop("")
	s.tAction()
	s.action("utter_thank_feedback", polRule)
	s.say(botFeedbackThx.json, "utter_thank_feedback", "TemplatedNaturalLanguageGenerator")
	s.tick(5*ms, 25*ms)
	s.action("action_listen", polRule)
	s.aw = awOpen
	s.leaving = true
}

// ------------------------------------------------------------------- misc

func (s *sender) reminderEvent() {
	s.begin(evReminder)
	s.mdEnd()
	s.buf = append(s.buf, `, "intent": "EXTERNAL_remind_call", "entities": null, "date_time": "`...)
	s.buf = appendISO(s.buf, s.reminderAt)
	s.buf = append(s.buf, `", "name": "remind_call", "kill_on_user_msg": true`...)
	s.end()
}

// internalError: the custom action failed; pattern_internal_error apologizes
// and the flow is cancelled.
func (s *sender) internalError() {
	s.tick(1*ms, 5*ms)
	s.base(evError)
	s.pushPattern("pattern_internal_error", []byte(`"error_type": "rasa_internal_error", "info": {}`))
	s.flowStep("0_utter_internal_error_rasa", "utter_internal_error_rasa")
	s.say(botInternalError.json, "utter_internal_error_rasa", "TemplatedNaturalLanguageGenerator")
	s.complete()
	if s.depth > 0 && s.stack[s.depth-1].flow == s.cur {
		s.tStack()
		s.flowEvent(evFlowCancelled, s.cur.id, s.stack[s.depth-1].step)
		s.removeAt(s.depth - 1)
	}
	s.cur = nil
	s.resumeOrListen()
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// appendISO appends µs as "2024-11-04T10:00:00.000000" (naive UTC, like
// Python's datetime.isoformat with microseconds).
func appendISO(b []byte, us int64) []byte {
	secs := us / sec
	days := secs / 86400
	rem := secs % 86400
	y, m, d := civil(days)
	b = appendInt(b, y)
	b = append(b, '-')
	b = appendTwo(b, m)
	b = append(b, '-')
	b = appendTwo(b, d)
	b = append(b, 'T')
	b = appendTwo(b, int(rem/3600))
	b = append(b, ':')
	b = appendTwo(b, int(rem/60%60))
	b = append(b, ':')
	b = appendTwo(b, int(rem%60))
	b = append(b, '.')
	frac := int(us % sec)
	for div := 100000; div > 0; div /= 10 {
		b = append(b, byte('0'+frac/div%10))
	}
	return b
}

// civil converts days since 1970-01-01 to a date (Howard Hinnant's algorithm).
func civil(z int64) (int, int, int) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}
