package bench

import (
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestTimerLateness(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := func(typ enums.EventType, at time.Duration, set func(*historypb.HistoryEvent)) *historypb.HistoryEvent {
		e := &historypb.HistoryEvent{EventType: typ, EventTime: timestamppb.New(t0.Add(at))}
		if set != nil {
			set(e)
		}
		return e
	}
	started := func(id string, length time.Duration) func(*historypb.HistoryEvent) {
		return func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{
				TimerId: id, StartToFireTimeout: durationpb.New(length)}}
		}
	}
	fired := func(id string) func(*historypb.HistoryEvent) {
		return func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: id}}
		}
	}
	ms := time.Millisecond
	h := &historypb.History{Events: []*historypb.HistoryEvent{
		ev(enums.EVENT_TYPE_TIMER_STARTED, 0, started("1", 5*time.Second)),
		ev(enums.EVENT_TYPE_TIMER_STARTED, 0, started("2", 500*ms)),
		ev(enums.EVENT_TYPE_TIMER_STARTED, 0, started("3", time.Hour)), // cancelled: not counted
		ev(enums.EVENT_TYPE_TIMER_FIRED, 1000*ms, fired("2")),          // 500 ms late, shorter than a second
		ev(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1100*ms, nil),     // handled 600 ms late
		ev(enums.EVENT_TYPE_TIMER_FIRED, 5020*ms, fired("1")),          // 20 ms late
		ev(enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, 6000*ms, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_WorkflowTaskTimedOutEventAttributes{WorkflowTaskTimedOutEventAttributes: &historypb.WorkflowTaskTimedOutEventAttributes{
				TimeoutType: enums.TIMEOUT_TYPE_SCHEDULE_TO_START}}
		}),
		ev(enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 7000*ms, nil), // handled 2 s late
	}}
	f, hd, long := timerLateness(h)
	if want := []time.Duration{500 * ms, 20 * ms}; !equal(f, want) {
		t.Errorf("fired %v, want %v", f, want)
	}
	if want := []time.Duration{600 * ms, 2000 * ms}; !equal(hd, want) {
		t.Errorf("handled %v, want %v", hd, want)
	}
	if want := []time.Duration{20 * ms}; !equal(long, want) {
		t.Errorf("long %v, want %v", long, want)
	}
	var c taskCounts
	c.add(h)
	if c != (taskCounts{completed: 2, stickyTimeouts: 1}) {
		t.Errorf("task counts %+v", c)
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
