// Package deploy proves the way the README's "Deploying a workflow change"
// deploys one: a second worker build, whose rollout workflow carries a change
// guarded by workflow.GetVersion, is started beside the first on the same task
// queue while rollouts run; then the first is stopped (a rolling deploy) and
// the second carries every rollout to its end. The rollouts the first build
// started finish on the second without a failed workflow task and without the
// change; the rollouts the second build starts carry it. No Worker Versioning
// (build IDs, pinned rollouts) is involved: one build at a time runs old and
// new rollouts alike.
package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: rollout.SearchAttributeFlags()}))
}

// The change the amwaht_nextbuild build carries (workflows/nextbuild.go):
// this test is built without the tag, so it names them itself.
const (
	changeID  = "next-build-demo"
	memoField = "AmwahtBuild"
	nextTag   = "amwaht_nextbuild"
)

// build is one worker binary and the processes started from it.
type build struct {
	name string
	bin  string
	cmd  *exec.Cmd
}

// identity is the prefix of the worker's identity in the history (the SDK's
// default, pid@host@queue): it tells which build completed a workflow task.
func (b *build) identity() string { return fmt.Sprintf("%d@", b.cmd.Process.Pid) }

func TestRollingDeployOfAGuardedChange(t *testing.T) {
	te := testenv.Require(t)
	began := time.Now()
	dir := t.TempDir()
	a := &build{name: "A", bin: filepath.Join(dir, "worker-a")}
	b := &build{name: "B", bin: filepath.Join(dir, "worker-b")}
	goBuild(t, a.bin)
	goBuild(t, b.bin, "-tags", nextTag)
	built := time.Now()

	sg := sendgridfake.New()
	defer sg.Close()
	dbURL := te.NewDatabase(t)
	env := append(os.Environ(),
		"TEMPORAL_ADDRESS="+te.Temporal.Address, "TEMPORAL_NAMESPACE="+te.Temporal.Namespace,
		"DATABASE_URL="+dbURL, "SENDGRID_API_KEY=SG.deploy", "SENDGRID_API_HOST="+sg.URL,
		"AMWAHT_STAFF_EMAIL=staf@stichtingbmp.example.nl", "AMWAHT_METRICS_ADDR=off")
	start := func(w *build) {
		w.cmd = exec.Command(w.bin)
		w.cmd.Env = env
		w.cmd.Stdout, w.cmd.Stderr = io.Discard, io.Discard
		if testing.Verbose() {
			w.cmd.Stderr = os.Stderr
		}
		if err := w.cmd.Start(); err != nil {
			t.Fatalf("start worker %s: %v", w.name, err)
		}
		t.Cleanup(func() {
			if w.cmd.ProcessState == nil {
				w.cmd.Process.Kill()
				w.cmd.Wait()
			}
		})
	}

	t.Setenv("TEMPORAL_ADDRESS", te.Temporal.Address)
	t.Setenv("TEMPORAL_NAMESPACE", te.Temporal.Namespace)
	c := te.Client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// Build A alone, as in production before the deploy: one rollout of
	// every variant, played by the scripted actor.
	start(a)
	before := startRollouts(t, "GM0344", "GM0363", "GM0518", "GM0599")
	beforeVariants := []simulate.Variant{simulate.FundingShort, simulate.NoProducer, simulate.MissedDay, simulate.HappyPath}
	var actors sync.WaitGroup
	play(ctx, t, &actors, c, before, beforeVariants)
	time.Sleep(2 * time.Second)

	// The deploy: B polls beside A, then A gets SIGTERM and drains its
	// running activities, as `docker compose up` with a new image or a
	// rolling restart does.
	start(b)
	waitForPoller(ctx, t, c, b)
	time.Sleep(2 * time.Second)
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Wait(); err != nil {
		t.Fatalf("worker A did not stop cleanly on SIGTERM: %v", err)
	}
	stopped := time.Now()
	t.Logf("worker A stopped %.1f s after the first rollouts started", stopped.Sub(built).Seconds())

	// B alone: new rollouts take the change.
	after := startRollouts(t, "GM0014", "GM0034")
	afterVariants := []simulate.Variant{simulate.HappyPath, simulate.MissedDay}
	play(ctx, t, &actors, c, after, afterVariants)
	actors.Wait()
	if t.Failed() {
		return
	}

	ids := append(slices.Clone(before), after...)
	variants := append(slices.Clone(beforeVariants), afterVariants...)
	// Both builds sent e-mails and paid premiums: each went out once.
	mails, _ := testenv.Promises(ctx, t, c, dbURL, sg, ids, variants)
	histories := 0
	for i, id := range ids {
		var res rollout.Result
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		h := history(ctx, t, c, id)
		histories++
		noFailedTask(t, id, h)
		by := completedBy(h, a, b)
		version, memo := nextBuildChange(t, id, h)
		if i < len(before) {
			// Started on A: its first workflow task passed the hook in A's
			// build, which records nothing. B, replaying that history,
			// reaches the GetVersion call with no marker for it there, so
			// GetVersion returns DefaultVersion and the rollout keeps A's
			// behaviour to its end; B writes no marker later either, since
			// the call is passed only once, in the first task.
			if version != nil || memo != "" {
				t.Errorf("%s started on build A but carries the change (version %v, memo %q)", id, version, memo)
			}
			if by[a] == 0 {
				t.Errorf("%s started before the deploy, but build A completed none of its workflow tasks", id)
			}
			// Every rollout that outlived A (all but the one without a
			// producer, which ends on day 46) must have gone on on B.
			if res.Outcome == plan.OutcomeGraduated && by[b] == 0 {
				t.Errorf("%s outlived build A, but build B completed none of its workflow tasks", id)
			}
		} else {
			if version == nil || *version != 1 || memo != changeID {
				t.Errorf("%s started on build B: version %v, memo %q; want version 1 and memo %q", id, version, memo, changeID)
			}
			if by[a] != 0 {
				t.Errorf("%s started after build A stopped, yet A completed %d of its workflow tasks", id, by[a])
			}
		}
		t.Logf("%s (%s): %s; workflow tasks by A %d, by B %d", id, variants[i], res.Outcome, by[a], by[b])
		if res.Outcome == plan.OutcomeGraduated {
			// The cohort has no hook: whichever build runs it, nothing changes.
			cid := rollout.CohortWorkflowID(id)
			ch := history(ctx, t, c, cid)
			histories++
			noFailedTask(t, cid, ch)
			if v, m := nextBuildChange(t, cid, ch); v != nil || m != "" {
				t.Errorf("%s carries the change, which only the rollout workflow has", cid)
			}
		}
	}

	// The SDK lists the change's version in TemporalChangeVersion: how staff
	// find the rollouts on each branch before the old one is removed.
	q := fmt.Sprintf("WorkflowType = '%s' AND TemporalChangeVersion = '%s-1'", rollout.RolloutWorkflowType, changeID)
	if n := countEventually(ctx, c, q, len(after)); n != len(after) {
		t.Errorf("%s finds %d rollouts, want the %d started on build B", q, n, len(after))
	}

	t.Logf("%d rollouts (%d before the deploy, %d after), %d histories without a failed workflow task, %d e-mails once each; builds %.1f s, rollouts %.1f s (A stopped after %.1f s)",
		len(ids), len(before), len(after), histories, mails, built.Sub(began).Seconds(), time.Since(built).Seconds(), stopped.Sub(built).Seconds())
}

func goBuild(t *testing.T, out string, flags ...string) {
	t.Helper()
	args := append(append([]string{"build", "-o", out}, flags...), "github.com/stichtingbmp/amwaht/worker")
	if b, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// startRollouts starts demo-wave rollouts through the staff CLI, retrying
// while the worker registers the search attributes, and returns their IDs.
func startRollouts(t *testing.T, codes ...string) []string {
	t.Helper()
	ids := make([]string, len(codes))
	for i, code := range codes {
		args := []string{"start", "--municipality", code, "--wave", "demo", "--day-length", "100ms", "--contact-email", "wmo-" + code + "@gemeente.example.nl"}
		deadline := time.Now().Add(30 * time.Second)
		var errOut strings.Builder
		for rc := cli.Run(t.Context(), args, io.Discard, &errOut); rc != 0; rc = cli.Run(t.Context(), args, io.Discard, &errOut) {
			if time.Now().After(deadline) {
				t.Fatalf("start %s: exit %d: %s", code, rc, errOut.String())
			}
			errOut.Reset()
			time.Sleep(300 * time.Millisecond)
		}
		ids[i] = rollout.WorkflowID("demo", code)
	}
	return ids
}

// play runs the scripted actor on the rollouts until they end.
func play(ctx context.Context, t *testing.T, wg *sync.WaitGroup, c client.Client, ids []string, variants []simulate.Variant) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		a := &simulate.Actor{C: testenv.Rollouts(c, simulate.Player), Out: io.Discard, Poll: 25 * time.Millisecond}
		if err := a.Run(ctx, ids, variants); err != nil {
			t.Errorf("simulate %v: %v", ids, err)
		}
	}()
}

// waitForPoller waits until the build's worker polls for workflow tasks:
// from then on both builds serve the task queue side by side.
func waitForPoller(ctx context.Context, t *testing.T, c client.Client, w *build) {
	t.Helper()
	for {
		resp, err := c.DescribeTaskQueue(ctx, rollout.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil {
			for _, p := range resp.GetPollers() {
				if strings.HasPrefix(p.GetIdentity(), w.identity()) {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("worker %s never polled the task queue: %v", w.name, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func history(ctx context.Context, t *testing.T, c client.Client, id string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		events = append(events, e)
	}
	return events
}

// noFailedTask fails the test for a failed workflow task: a build that
// cannot replay a history (nondeterminism) fails its tasks until a build
// that can takes over.
func noFailedTask(t *testing.T, id string, h []*historypb.HistoryEvent) {
	t.Helper()
	for _, e := range h {
		if a := e.GetWorkflowTaskFailedEventAttributes(); a != nil {
			t.Errorf("%s: workflow task failed (event %d, %s): %s", id, e.GetEventId(), a.GetCause(), a.GetFailure().GetMessage())
		}
	}
}

// completedBy counts the workflow tasks each build completed.
func completedBy(h []*historypb.HistoryEvent, builds ...*build) map[*build]int {
	n := map[*build]int{}
	for _, e := range h {
		a := e.GetWorkflowTaskCompletedEventAttributes()
		if a == nil {
			continue
		}
		for _, b := range builds {
			if strings.HasPrefix(a.GetIdentity(), b.identity()) {
				n[b]++
			}
		}
	}
	return n
}

// nextBuildChange reads the change from a history: the version its
// GetVersion marker recorded (nil without one) and the memo field it set.
func nextBuildChange(t *testing.T, id string, h []*historypb.HistoryEvent) (*workflow.Version, string) {
	t.Helper()
	dc := testenv.DataConverter()
	var (
		version *workflow.Version
		memo    string
	)
	for _, e := range h {
		if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "Version" {
			var change string
			if err := dc.FromPayloads(m.GetDetails()["change-id"], &change); err != nil {
				t.Fatalf("%s: version marker's change ID: %v", id, err)
			}
			if change != changeID {
				continue
			}
			if version != nil {
				t.Errorf("%s: a second %s marker (event %d)", id, changeID, e.GetEventId())
			}
			var v workflow.Version
			if err := dc.FromPayloads(m.GetDetails()["version"], &v); err != nil {
				t.Fatalf("%s: version marker's version: %v", id, err)
			}
			version = &v
		}
		if p := e.GetWorkflowPropertiesModifiedEventAttributes().GetUpsertedMemo().GetFields()[memoField]; p != nil {
			if err := dc.FromPayload(p, &memo); err != nil {
				t.Fatalf("%s: memo %s: %v", id, memoField, err)
			}
		}
	}
	return version, memo
}

// countEventually counts the workflows a visibility query finds, waiting a
// few seconds for visibility to catch up with the histories.
func countEventually(ctx context.Context, c client.Client, query string, want int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		n := -1
		if err == nil {
			n = int(resp.GetCount())
		}
		if n == want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
}
