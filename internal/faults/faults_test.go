// Package faults runs rollouts through the faults a year-long rollout will
// meet: the worker killed with SIGKILL and restarted, PostgreSQL cut off, and
// SendGrid throttling, failing, answering slowly and dropping connections.
// It then checks the product's promises: every rollout reaches its end,
// every e-mail arrives once, every premium is paid once.
package faults

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: rollout.SearchAttributeFlags()}))
}

func TestRolloutsSurviveFaults(t *testing.T) {
	te := testenv.Require(t)
	dbURL := te.NewDatabase(t)
	// The worker reaches PostgreSQL through the proxy.
	px, workerDB := testenv.ThroughProxy(t, dbURL)

	sg := sendgridfake.New()
	defer sg.Close()
	rng := rand.New(rand.NewPCG(42, 7))
	sg.FailWith(sendgridfake.Unreliable(42))

	worker := te.StartProcess(t, map[string]string{
		"DATABASE_URL": workerDB, "SENDGRID_API_KEY": "SG.faults", "SENDGRID_API_HOST": sg.URL,
	})

	t.Setenv("TEMPORAL_ADDRESS", te.Temporal.Address)
	t.Setenv("TEMPORAL_NAMESPACE", te.Temporal.Namespace)
	codes := []string{"GM0106", "GM0109", "GM0114", "GM0118", "GM0119", "GM0141", "GM0147", "GM0148", "GM0150", "GM0158", "GM0160", "GM0166"}
	ids := make([]string, len(codes))
	variants := make([]simulate.Variant, len(codes))
	for i, code := range codes {
		args := []string{"start", "--municipality", code, "--wave", "demo", "--day-length", "100ms", "--contact-email", "wmo-" + code + "@gemeente.example.nl"}
		if rc := cli.Run(context.Background(), args, io.Discard, io.Discard); rc != 0 {
			t.Fatalf("start %s: exit %d", code, rc)
		}
		ids[i] = rollout.WorkflowID("demo", code)
		variants[i] = simulate.VariantFor(i)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	c := te.Client(t)
	done := make(chan error, 1)
	go func() {
		done <- (&simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: io.Discard, Poll: 25 * time.Millisecond}).Run(ctx, ids, variants)
	}()

	// The faults: three SIGKILLs of the worker at random moments, and
	// PostgreSQL gone for three seconds once.
	kills := 0
	for _, at := range []time.Duration{4 * time.Second, 11 * time.Second, 23 * time.Second} { // pauses between kills
		select {
		case err := <-done:
			done <- err
		case <-time.After(at):
		}
		worker.Kill()
		kills++
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		worker.Start()
		if kills == 2 {
			px.SetDown(true)
			time.Sleep(3 * time.Second)
			px.SetDown(false)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("simulate: %v", err)
	}

	mails, premiums := testenv.Promises(ctx, t, c, dbURL, sg, ids, variants)
	t.Logf("%d rollouts, %d kills, %d e-mails (%d requests to SendGrid), %d premiums", len(ids), kills, mails, sg.Requests(), premiums)
}
