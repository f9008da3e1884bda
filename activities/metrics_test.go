package activities_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// recorder is an activities.Metrics that remembers what it was told.
type recorder struct {
	mu     sync.Mutex
	counts map[string]int
}

func (r *recorder) add(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[key]++
}

func (r *recorder) EmailDone(template, status string)  { r.add("email " + template + " " + status) }
func (r *recorder) EmailAttemptFailed(template string) { r.add("attempt-failed " + template) }
func (r *recorder) PremiumPaid(wave string)            { r.add("premium " + wave) }

func (r *recorder) get(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[key]
}

func TestSendEmailCountsOutcomesOnce(t *testing.T) {
	f := newFixture(t, false)
	m := &recorder{}
	f.acts.Metrics = m
	var logBuf bytes.Buffer
	f.acts.Log = slog.New(slog.NewJSONHandler(&logBuf, nil))

	// Throttled, then sent, then a retry that finds it sent.
	f.sg.Script(sendgridfake.Response{Status: 429, Body: `{"errors":[{"message":"too many requests"}]}`})
	if _, err := f.send(t, confirmation()); err == nil {
		t.Fatal("throttled send succeeded")
	}
	for i := 0; i < 2; i++ {
		if _, err := f.send(t, confirmation()); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := m.get("attempt-failed application-received"); n != 1 {
		t.Errorf("failed attempts counted %d, want 1", n)
	}
	if n := m.get("email application-received sent"); n != 1 {
		t.Errorf("sent counted %d, want 1 (a retry that finds it sent is not counted)", n)
	}

	// Refused for good.
	refused := confirmation()
	refused.Template = "producer-course-invitation"
	refused.To.Email = "f.yilmaz@welzijn.invalid"
	if _, err := f.send(t, refused); err == nil {
		t.Fatal("refused send succeeded")
	}
	if n := m.get("email producer-course-invitation failed"); n != 1 {
		t.Errorf("failed counted %d, want 1", n)
	}

	// The log names the municipality beside the workflow.
	if !strings.Contains(logBuf.String(), `"msg":"e-mail sent","workflow_id":"rollout-demo-GM0344","template":"application-received","step":"application","occurrence":1,"municipality":"GM0344"`) {
		t.Errorf("log lacks the municipality:\n%s", logBuf.String())
	}

	// A premium is counted when recorded, not when a retry finds it.
	req := activities.PremiumRequest{WorkflowID: "rollout-demo-GM0344", MunicipalityCode: "GM0344", Wave: "demo", Organisation: "Welzijn Utrecht", AmountCents: 250000}
	for i := 0; i < 2; i++ {
		if _, err := f.env.ExecuteActivity(f.acts.PayPremium, req); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.get("premium demo"); n != 1 {
		t.Errorf("premiums counted %d, want 1", n)
	}
}

func TestSendEmailWithoutKeyCountsLogged(t *testing.T) {
	f := newFixture(t, true)
	m := &recorder{}
	f.acts.Metrics = m
	if _, err := f.send(t, confirmation()); err != nil {
		t.Fatal(err)
	}
	if n := m.get("email application-received logged"); n != 1 {
		t.Errorf("logged counted %d, want 1: %v", n, m.counts)
	}
}
