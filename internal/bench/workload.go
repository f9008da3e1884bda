package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// benchNoop is the baseline workflow: it takes no input, does nothing, and
// stays open until signalled "stop", as a rollout stays open. Its update
// "noop" is accepted, or rejected by its validator when the argument is true.
func benchNoop(ctx workflow.Context) error {
	err := workflow.SetUpdateHandlerWithOptions(ctx, "noop",
		func(ctx workflow.Context, reject bool) error { return nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, reject bool) error {
			if reject {
				return errors.New("rejected by the validator")
			}
			return nil
		}})
	if err != nil {
		return err
	}
	workflow.GetSignalChannel(ctx, "stop").Receive(ctx, nil)
	return nil
}

func registerNoop(w worker.Registry) {
	w.RegisterWorkflowWithOptions(benchNoop, workflow.RegisterOptions{Name: "benchNoop"})
}

// rolloutInput is a rollout for municipality m on wave w, with a
// municipality contact made up from its code.
func rolloutInput(m municipality.Municipality, w wave.Calendar) rollout.Input {
	return rollout.Input{
		Municipality: m,
		Wave:         w,
		Contact:      mail.Contact{Name: "Team WMO", Email: "wmo-" + strings.ToLower(m.Code) + "@gemeente.example.nl"},
	}
}

// benchActor is who the bench's actions record.
var benchActor = plan.Actor{Via: plan.ViaScript, Name: "bench"}

// noopOptions start the baseline with the same ID policies, on its queue.
func noopOptions(id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                noopQueue,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
}

// starters is how many goroutines start workflows at once.
const starters = 8

// parallel runs f(0..n-1) on workers goroutines and returns the wall time
// and the first error.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) (time.Duration, error) {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return time.Since(t0), first
}

// startRollouts starts one rollout per municipality on wave w.
func (s *stack) startRollouts(ctx context.Context, ms []municipality.Municipality, w wave.Calendar) ([]string, time.Duration, error) {
	ids := make([]string, len(ms))
	d, err := parallel(ctx, len(ms), starters, func(ctx context.Context, i int) error {
		id, err := s.rollouts(benchActor).Start(ctx, rolloutInput(ms[i], w))
		ids[i] = id
		return err
	})
	return ids, d, err
}

// startNoops starts n baseline workflows named prefix-0, prefix-1, ….
func (s *stack) startNoops(ctx context.Context, prefix string, n int) ([]string, time.Duration, error) {
	ids := make([]string, n)
	d, err := parallel(ctx, n, starters, func(ctx context.Context, i int) error {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		_, err := s.c.ExecuteWorkflow(ctx, noopOptions(ids[i]), "benchNoop")
		return err
	})
	return ids, d, err
}

// terminate ends workflows a figure left open, so the next figure meets
// an idle server and worker.
func (s *stack) terminate(ctx context.Context, ids []string) error {
	_, err := parallel(ctx, len(ids), starters, func(ctx context.Context, i int) error {
		if ids[i] == "" {
			return nil
		}
		err := s.c.TerminateWorkflow(ctx, ids[i], "", "bench: figure done")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil
		}
		return err
	})
	return err
}

// invitations counts the stored producer invitations of a wave: a rollout
// that has one ran its first workflow task and its first activity.
func (s *stack) invitations(ctx context.Context, waveName string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM outbox WHERE template = 'producer-invitation' AND workflow_id LIKE $1`,
		rollout.WorkflowID(waveName, "")+"%")
	return n, err
}

// waitInvited waits until n rollouts of each wave have stored their invitation.
func (s *stack) waitInvited(ctx context.Context, n int, waves ...string) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var short error // the first wave still short of n
		for _, w := range waves {
			got, err := s.invitations(ctx, w)
			if err != nil {
				return err
			}
			if got < n {
				short = fmt.Errorf("wave %s: %d of %d invitations stored after 10 minutes", w, got, n)
				break
			}
		}
		if short == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return short
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// settle waits until this process and the dev server are idle (together
// under a tenth of a core for two half-second windows running) or a minute
// has passed, so the next measurement does not pay for the last one's tail.
func (s *stack) settle(ctx context.Context) {
	pid, quiet := s.srv.PID(), 0
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		c0 := selfCPU() + procCPU(pid)
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		if used := selfCPU() + procCPU(pid) - c0; used < 50*time.Millisecond {
			if quiet++; quiet == 2 {
				return
			}
		} else {
			quiet = 0
		}
	}
}

// historyOf fetches a workflow's whole history.
func (s *stack) historyOf(ctx context.Context, id string) (*historypb.History, error) {
	h := &historypb.History{}
	it := s.c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

// historySize is the history's protobuf size, as the server counts it
// against its size limit (to within a few bytes per event of framing).
func historySize(h *historypb.History) int { return proto.Size(h) }

// percentile is the nearest-rank p-th percentile of d (sorted in place).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*p/100+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}
