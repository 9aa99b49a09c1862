package traffic

// evType enumerates the event names Rasa serializes in "event".
type evType uint8

const (
	evUser evType = iota
	evBot
	evAction
	evSlot
	evStack
	evFlowStarted
	evFlowCompleted
	evFlowInterrupted
	evFlowResumed
	evFlowCancelled
	evSessionStarted
	evSessionEnded
	evConversationInactive
	evRestart
	evReminder
	evCancelReminder
	evRewind
	evUndo
	evFollowup
	evActiveLoop
	evLoopInterrupted
	evUserFeaturization
	evSessionPaused
	evAgentStarted
	evAgentCompleted
	evActionExecutionRejected
	evEntities
	evResetSlots
	evPause
	evResume
	evRoutingSessionEnded
	evError
	numEv
)

var evNames = [numEv]string{
	evUser:                    "user",
	evBot:                     "bot",
	evAction:                  "action",
	evSlot:                    "slot",
	evStack:                   "stack",
	evFlowStarted:             "flow_started",
	evFlowCompleted:           "flow_completed",
	evFlowInterrupted:         "flow_interrupted",
	evFlowResumed:             "flow_resumed",
	evFlowCancelled:           "flow_cancelled",
	evSessionStarted:          "session_started",
	evSessionEnded:            "session_ended",
	evConversationInactive:    "conversation_inactive",
	evRestart:                 "restart",
	evReminder:                "reminder",
	evCancelReminder:          "cancel_reminder",
	evRewind:                  "rewind",
	evUndo:                    "undo",
	evFollowup:                "followup",
	evActiveLoop:              "active_loop",
	evLoopInterrupted:         "loop_interrupted",
	evUserFeaturization:       "user_featurization",
	evSessionPaused:           "session_paused",
	evAgentStarted:            "agent_started",
	evAgentCompleted:          "agent_completed",
	evActionExecutionRejected: "action_execution_rejected",
	evEntities:                "entities",
	evResetSlots:              "reset_slots",
	evPause:                   "pause",
	evResume:                  "resume",
	evRoutingSessionEnded:     "routing_session_ended",
	evError:                   "error",
}

// evRef locates one encoded event in a sender's chunk buffer.
type evRef struct {
	start, end int32
	ts         int64 // µs since the epoch
	typ        evType
}
