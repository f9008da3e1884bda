package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/simulate"
)

// sinkLinks reads the parties' links from the SendGrid stand-in, as the
// demo's mail sink does.
type sinkLinks struct{ s *system }

func (m sinkLinks) LinkTo(rolloutID, address string) string {
	ms := m.s.sg.Mails()
	for i := len(ms) - 1; i >= 0; i-- {
		if strings.HasPrefix(ms[i].CustomArgs["workflow_id"], rolloutID) && strings.EqualFold(ms[i].To[0], address) {
			if l := taskLinkIn.FindString(ms[i].Text); l != "" {
				return l
			}
		}
	}
	return ""
}

// TestScriptedActorThroughLinks: the demo's scripted actor, playing the
// municipality and the producer through their task pages (reading the
// forms and their anti-forgery tokens like a browser) and staff through
// the client, takes a rollout to its start; every party's action records
// the party via link.
func TestScriptedActorThroughLinks(t *testing.T) {
	s := startSystem(t)
	w := testWave(t, "script", time.Second, waveDays{Apply: 6, ProducerCourse: 6, Teacher: 11, Due: 16, Start: 18})
	id := startOn(t, s, "GM0599", w)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	go func() {
		a := &simulate.Actor{C: s.rollout, Out: &out, Poll: 200 * time.Millisecond, Links: &simulate.Browser{Mail: sinkLinks{s}}}
		done <- a.Run(ctx, []string{id}, []simulate.Variant{simulate.HappyPath})
	}()
	t.Cleanup(func() { stop(); <-done })

	var st rollout.Status
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		var err error
		if st, err = s.rollout.Status(t.Context(), id); err == nil && !st.StartedAt.IsZero() {
			break
		}
	}
	if st.StartedAt.IsZero() {
		t.Fatalf("the rollout did not start: phase %s, waiting on %v\n%s", st.Phase, st.WaitingOn, out.String())
	}
	for line, party := range map[string]plan.Party{"application": plan.PartyMunicipality, "teacher": plan.PartyProducer, "funding": plan.PartyProducer,
		"recruitment": plan.PartyProducer, "location": plan.PartyProducer} {
		if l := st.Line(line); l == nil || l.LastActor == nil || l.LastActor.Via != plan.ViaLink || l.LastActor.Party != party {
			t.Errorf("%s recorded by %+v, want the %s via link", line, l, party)
		}
	}
	if l := st.Line("producer-course-1"); l == nil || l.LastActor == nil || l.LastActor.Via != plan.ViaScript {
		t.Errorf("attendance recorded by %+v, want the script (BMP's part)", l)
	}
	if !strings.Contains(out.String(), "(producent via link)") {
		t.Errorf("the actor's output does not say which actions went through a link:\n%s", out.String())
	}
}
