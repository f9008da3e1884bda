package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

// TestDemoWaveLifecycle runs four rollouts on a fast demo wave (a calendar day
// lasts 100 ms) from start to their end on the real dev server, with the
// scripted actor playing staff: one short of funding then postponed, one
// without producer, one missing a course day then making it up, one on the
// happy path; and a fifth on a rehearsal of the 2013 wave file, whose plan
// lacks the agreement step the agreement file adds. With
// AMWAHT_RECORD_HISTORIES=1 it writes their histories to workflows/testdata
// for the replay test.
func TestDemoWaveLifecycle(t *testing.T) {
	s := startSystem(t)
	codes := []string{"GM0344", "GM0363", "GM0518", "GM0599"}
	for _, code := range codes {
		startEventually(t, "start", "--municipality", code, "--wave", "demo", "--day-length", "100ms", "--contact-email", "wmo-"+code+"@gemeente.example.nl")
	}
	startEventually(t, "start", "--municipality", "GM0307", "--wave-file", "../wave/testdata/wave-2013.json", "--day-length", "100ms", "--contact-email", "wmo-GM0307@gemeente.example.nl")
	c := s.te.Client(t)
	ids := make([]string, len(codes))
	variants := make([]simulate.Variant, len(codes))
	names := make([]string, len(codes))
	for i, code := range codes {
		ids[i] = rollout.WorkflowID("demo", code)
		variants[i] = simulate.VariantFor(i)
		names[i] = string(variants[i])
	}
	ids, variants, names = append(ids, rollout.WorkflowID("2013", "GM0307")), append(variants, simulate.HappyPath), append(names, "file-wave")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	actor := &simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: testWriter{t}, Poll: 20 * time.Millisecond}
	if err := actor.Run(ctx, ids, variants); err != nil {
		t.Fatalf("simulate: %v", err)
	}

	mails, premiums := testenv.Promises(ctx, t, c, s.db, s.sg, ids, variants)
	if mails < 100 {
		t.Errorf("%d e-mails in the demo wave: fewer than its five rollouts send", mails)
	}
	if premiums != 4 {
		t.Errorf("premiums paid: %d, want 4 (one per started cohort)", premiums)
	}
	for _, tpl := range []string{"postponement-agreed", "start-blocked", "course-day-missed", "no-producer", "graduation", "premium-paid"} {
		if !hasTemplate(s.sg.Mails(), tpl) {
			t.Errorf("no %s e-mail in the demo wave", tpl)
		}
	}

	if os.Getenv("AMWAHT_RECORD_HISTORIES") != "" {
		// AMWAHT_RECORD_AS names a new set beside the old ones (a versioned
		// change keeps both); without it the files are overwritten.
		suffix := ""
		if as := os.Getenv("AMWAHT_RECORD_AS"); as != "" {
			suffix = "-" + as
		}
		for i, id := range ids {
			record(t, c, id, fmt.Sprintf("rollout-%s%s.json", names[i], suffix))
			if simulate.ExpectedOutcome(variants[i]) == plan.OutcomeGraduated {
				record(t, c, rollout.CohortWorkflowID(id), fmt.Sprintf("cohort-%s%s.json", names[i], suffix))
			}
		}
	}
}

func hasTemplate(ms []sendgridfake.Mail, tpl string) bool {
	for _, m := range ms {
		if m.CustomArgs["template"] == tpl {
			return true
		}
	}
	return false
}

// record writes a workflow's history as `temporal workflow show --output json` does.
func record(t *testing.T, c client.Client, id, file string) {
	t.Helper()
	it := c.GetWorkflowHistory(t.Context(), id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "workflows", "testdata", file)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d events)", path, len(h.Events))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	if os.Getenv("AMWAHT_TEST_LOG") != "" {
		w.t.Log(string(p))
	}
	return len(p), nil
}

// startEventually retries a start while the worker registers search attributes.
func startEventually(t *testing.T, args ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, o, e := run(t, args...)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("starter %v: exit %d: %s%s", args, code, o, e)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
