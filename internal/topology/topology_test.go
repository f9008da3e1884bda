// Package topology runs amwaht on the production topology rather than the
// dev server: Temporal's own server (the release docker-compose.yml pins) on
// PostgreSQL with SQL visibility, and two worker processes sharing the task
// queue, as `make cluster` and compose run them. It plays the demo wave's
// lifecycle scenarios there, then the fault suite with what only a real
// server can show: the server killed with SIGKILL mid-run and started again,
// and one of the two workers killed for good.
package topology

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{Cluster: true, SearchAttributes: rollout.SearchAttributeFlags()}))
}

// system is one amwaht database and SendGrid stand-in, served by two worker
// processes on the package's cluster.
type system struct {
	te      *testenv.Env
	dbURL   string
	sg      *sendgridfake.Server
	workers [2]*testenv.Process
	c       client.Client
}

// workerDB is the URL the workers use: dbURL itself, or a proxy's.
func startSystem(t *testing.T, workerDB func(dbURL string) string) *system {
	t.Helper()
	te := testenv.Require(t)
	s := &system{te: te, dbURL: te.NewDatabase(t), sg: sendgridfake.New()}
	t.Cleanup(s.sg.Close)
	env := map[string]string{
		"DATABASE_URL": workerDB(s.dbURL), "SENDGRID_API_KEY": "SG.topology", "SENDGRID_API_HOST": s.sg.URL,
		"AMWAHT_STAFF_EMAIL": "staf@stichtingbmp.example.nl",
	}
	for i := range s.workers {
		s.workers[i] = te.StartProcess(t, env)
	}
	// The CLI in process starts the rollouts on the same cluster.
	t.Setenv("TEMPORAL_ADDRESS", te.Temporal.Address)
	t.Setenv("TEMPORAL_NAMESPACE", te.Temporal.Namespace)
	t.Setenv("DATABASE_URL", s.dbURL)
	s.c = te.Client(t)
	return s
}

// start starts one rollout per code with the CLI, retrying while the first
// worker registers what it needs; a wave file replaces the demo wave.
func (s *system) start(t *testing.T, dayLength string, codes ...string) (ids []string, variants []simulate.Variant) {
	t.Helper()
	for i, code := range codes {
		args := []string{"start", "--municipality", code, "--wave", "demo", "--day-length", dayLength, "--contact-email", "wmo-" + code + "@gemeente.example.nl"}
		deadline := time.Now().Add(30 * time.Second)
		for rc := cli.Run(t.Context(), args, io.Discard, io.Discard); rc != 0; rc = cli.Run(t.Context(), args, io.Discard, io.Discard) {
			if time.Now().After(deadline) {
				t.Fatalf("starter %v: exit %d", args, rc)
			}
			time.Sleep(300 * time.Millisecond)
		}
		ids = append(ids, rollout.WorkflowID("demo", code))
		variants = append(variants, simulate.VariantFor(i))
	}
	return ids, variants
}

// play runs the scripted actor in the background; the channel yields its end.
func (s *system) play(ctx context.Context, ids []string, variants []simulate.Variant) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- (&simulate.Actor{C: testenv.Rollouts(s.c, simulate.Player), Out: io.Discard, Poll: 25 * time.Millisecond}).Run(ctx, ids, variants)
	}()
	return done
}

// TestLifecycleOnCluster plays the demo wave's four scenarios (short of
// funding then postponed, no producer, a missed course day made up, the
// happy path) to their ends on the real server with two workers.
func TestLifecycleOnCluster(t *testing.T) {
	s := startSystem(t, func(u string) string { return u })
	ids, variants := s.start(t, "100ms", "GM0344", "GM0363", "GM0518", "GM0599")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	if err := <-s.play(ctx, ids, variants); err != nil {
		t.Fatalf("simulate: %v", err)
	}
	mails, premiums := testenv.Promises(ctx, t, s.c, s.dbURL, s.sg, ids, variants)
	if premiums != 3 {
		t.Errorf("premiums paid: %d, want 3 (every scenario but the one without producer starts)", premiums)
	}
	// SQL visibility on PostgreSQL answers the console's and the CLI's
	// questions: the custom search attributes, as staff filter with them.
	resp, err := s.c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: s.te.Temporal.Namespace,
		Query:     fmt.Sprintf("AmwahtWave = 'demo' AND AmwahtOutcome = '%s'", plan.OutcomeNoProducer),
	})
	if err != nil {
		t.Fatalf("counting on SQL visibility: %v", err)
	}
	if resp.GetCount() != 1 {
		t.Errorf("rollouts of wave demo without producer on SQL visibility: %d, want 1", resp.GetCount())
	}
	t.Logf("%d rollouts to their ends on the cluster: %d e-mails, %d premiums", len(ids), mails, premiums)
}

// TestFaultsOnCluster is the fault suite on the production topology:
// SendGrid misbehaving throughout and PostgreSQL cut off once, as on the dev
// server, and besides: the Temporal server killed with SIGKILL twice and
// started again, and one worker killed for good halfway, so the other
// carries the rest. No rollout may end otherwise than its scenario says, no
// e-mail may go twice and no premium be paid twice.
func TestFaultsOnCluster(t *testing.T) {
	var px *testenv.Proxy
	s := startSystem(t, func(u string) string {
		var through string
		px, through = testenv.ThroughProxy(t, u)
		return through
	})
	s.sg.FailWith(sendgridfake.Unreliable(16))
	codes := []string{"GM0106", "GM0109", "GM0114", "GM0118", "GM0119", "GM0141", "GM0147", "GM0148"}
	// Days of 150 ms: a server restart (about a second) must not outlast a
	// whole step's window in the compressed calendar.
	ids, variants := s.start(t, "150ms", codes...)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	done := s.play(ctx, ids, variants)

	cluster := s.te.Cluster
	faults := []struct {
		after time.Duration
		what  string
		do    func() error
	}{
		{3 * time.Second, "Temporal server SIGKILL, restarted", func() error { return restart(ctx, cluster) }},
		{4 * time.Second, "PostgreSQL cut off for 3 s", func() error { px.SetDown(true); time.Sleep(3 * time.Second); px.SetDown(false); return nil }},
		{3 * time.Second, "worker 2 SIGKILL, for good", func() error { s.workers[1].Kill(); return nil }},
		{6 * time.Second, "Temporal server SIGKILL, restarted", func() error { return restart(ctx, cluster) }},
	}
	for _, f := range faults {
		select {
		case err := <-done:
			t.Fatalf("the rollouts ended before the fault %q (simulate: %v): the suite proves nothing", f.what, err)
		case <-time.After(f.after):
		}
		if err := f.do(); err != nil {
			t.Fatalf("%s: %v", f.what, err)
		}
		t.Logf("fault: %s", f.what)
	}
	if err := <-done; err != nil {
		t.Fatalf("simulate: %v\nserver's last output:\n%s", err, cluster.LastOutput(20))
	}
	mails, premiums := testenv.Promises(ctx, t, s.c, s.dbURL, s.sg, ids, variants)
	t.Logf("%d rollouts through %d faults on the cluster: %d e-mails (%d requests to SendGrid), %d premiums", len(ids), len(faults), mails, s.sg.Requests(), premiums)
}

func restart(ctx context.Context, c interface {
	Kill() error
	Restart(context.Context) error
}) error {
	if err := c.Kill(); err != nil {
		return err
	}
	time.Sleep(time.Second)
	if err := c.Restart(ctx); err != nil {
		return fmt.Errorf("restarting the server: %w", err)
	}
	return nil
}
