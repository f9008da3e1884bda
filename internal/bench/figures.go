package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// longDay keeps a compressed wave still while it is measured: the first
// deadline is 46 of these days after the start.
const longDay = time.Hour

type sample struct {
	rss, heap, stacks, srvRSS int64
	goroutines                int
	cpu, srvCPU               time.Duration
}

// sample reads this process's and the dev server's memory and CPU. The Go
// heap is what is still in use after a collection (two, so that sync.Pool
// caches, kept for one cycle, are gone too); a workflow's coroutines are
// goroutines, whose stacks are not heap.
func (s *stack) sample() sample {
	pid := s.srv.PID()
	x := sample{rss: rss(0), srvRSS: rss(pid), cpu: selfCPU(), srvCPU: procCPU(pid)}
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	x.heap, x.stacks, x.goroutines = int64(m.HeapAlloc), int64(m.StackInuse), runtime.NumGoroutine()
	return x
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "n/a (baseline not above zero)"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// memory: the worker process's resident memory idle and with 3×N open
// rollouts (the demo wave compressed three times, so each municipality has
// three), then with as many open no-op workflows on top; and the CPU it
// took to start them and have each take its first steps.
func (b *bench) memory(ctx context.Context) error {
	s := b.s
	n := len(b.ms)
	now := time.Now()
	waves := []string{"demo-a", "demo-b", "demo-c"}
	s.settle(ctx)
	idle := s.sample()
	var ids []string
	for _, name := range waves {
		got, _, err := s.startRollouts(ctx, b.ms, wave.Compress(wave.Wave2012(), name, now, longDay))
		ids = append(ids, got...)
		if err != nil {
			return errors.Join(err, s.terminate(context.Background(), ids))
		}
	}
	defer func() { _ = s.terminate(context.Background(), ids) }()
	if err := s.waitInvited(ctx, n, waves...); err != nil {
		return err
	}
	s.settle(ctx)
	open := s.sample()

	noops, _, err := s.startNoops(ctx, "bench-memory-noop", 3*n)
	defer func() { _ = s.terminate(context.Background(), noops) }()
	if err != nil {
		return err
	}
	s.settle(ctx)
	both := s.sample()

	k := float64(3 * n)
	per := func(d int64) string { return fmt.Sprintf("%.1f KiB each", float64(d)/k/1024) }
	b.line("memory.rss", fmt.Sprintf("worker process idle %s, with %d open rollouts %s (%s, %s) | baseline %d more open benchNoop %s (%s, %s) | ratio %s",
		mib(idle.rss), 3*n, mib(open.rss), delta(open.rss-idle.rss), per(open.rss-idle.rss),
		3*n, mib(both.rss), delta(both.rss-open.rss), per(both.rss-open.rss), ratio(float64(open.rss-idle.rss), float64(both.rss-open.rss))))
	kib := func(d int64) string { return fmt.Sprintf("%.1f", float64(d)/k/1024) }
	b.line("memory.go", fmt.Sprintf("per open rollout: live heap after GC %s KiB, goroutine stacks %s KiB, %.1f goroutines (idle heap %s, with %d rollouts %s) | baseline per benchNoop: %s KiB, %s KiB, %.1f | ratio %s (heap + stacks)",
		kib(open.heap-idle.heap), kib(open.stacks-idle.stacks), float64(open.goroutines-idle.goroutines)/k, mib(idle.heap), 3*n, mib(open.heap),
		kib(both.heap-open.heap), kib(both.stacks-open.stacks), float64(both.goroutines-open.goroutines)/k,
		ratio(float64(open.heap-idle.heap+open.stacks-idle.stacks), float64(both.heap-open.heap+both.stacks-open.stacks))))
	b.line("memory.cpu", fmt.Sprintf("%d rollouts started until each stored its invitation: worker process %s CPU, dev server %s | baseline %d benchNoop started: %s, %s | ratio %s (worker process)",
		3*n, secs(open.cpu-idle.cpu), secs(open.srvCPU-idle.srvCPU), 3*n, secs(both.cpu-open.cpu), secs(both.srvCPU-open.srvCPU),
		ratio(float64(open.cpu-idle.cpu), float64(both.cpu-open.cpu))))
	b.line("memory.server", fmt.Sprintf("dev server RSS idle %s, with %d open rollouts %s (%s) | baseline %d more open benchNoop %s (%s)",
		mib(idle.srvRSS), 3*n, mib(open.srvRSS), delta(open.srvRSS-idle.srvRSS), 3*n, mib(both.srvRSS), delta(both.srvRSS-open.srvRSS)))
	return nil
}

// start: N rollouts started on a still demo wave by 8 goroutines with the
// CLI's options, against as many no-op workflows. To find where the bulk
// start loses, the same N rollouts are also started on a task queue no
// worker polls (the start path alone: input, codec, search attributes, the
// Web UI's texts, the server's writes), and the CPU of this process (the
// starters and the in-process worker) and of the dev server is read for
// each; Options.StartProfile takes a CPU profile of the real bulk start.
func (b *bench) start(ctx context.Context) error {
	s := b.s
	n := len(b.ms)
	warm, _, err := s.startNoops(ctx, "bench-warm", 20)
	defer func() { _ = s.terminate(context.Background(), warm) }()
	if err != nil {
		return err
	}
	s.settle(ctx)
	c0 := s.cpus()
	noops, dNoop, err := s.startNoops(ctx, "bench-start-noop", n)
	cNoop := s.cpus().minus(c0)
	defer func() { _ = s.terminate(context.Background(), noops) }()
	if err != nil {
		return err
	}
	s.settle(ctx)

	// The start path alone: nobody runs these rollouts.
	idleWave := wave.Compress(wave.Wave2012(), "demo-start-idle", time.Now(), longDay)
	idle := make([]string, n)
	c0 = s.cpus()
	dIdle, err := parallel(ctx, n, starters, func(ctx context.Context, i int) error {
		opts := rollout.StartOptions(rolloutInput(b.ms[i], idleWave))
		opts.TaskQueue = idleQueue
		idle[i] = opts.ID
		_, err := s.c.ExecuteWorkflow(ctx, opts, rollout.RolloutWorkflowType, rolloutInput(b.ms[i], idleWave))
		return err
	})
	cIdle := s.cpus().minus(c0)
	defer func() { _ = s.terminate(context.Background(), idle) }()
	if err != nil {
		return err
	}
	s.settle(ctx)

	w := wave.Compress(wave.Wave2012(), "demo-start", time.Now(), longDay)
	stopProfile, err := startProfile(b.o.StartProfile)
	if err != nil {
		return err
	}
	c0 = s.cpus()
	t0 := time.Now()
	ids, dRoll, err := s.startRollouts(ctx, b.ms, w)
	cRoll := s.cpus().minus(c0)
	stopProfile()
	defer func() { _ = s.terminate(context.Background(), ids) }()
	if err != nil {
		return err
	}
	if err := s.waitInvited(ctx, n, w.Name); err != nil {
		return err
	}
	invited := time.Since(t0)
	s.settle(ctx)
	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	b.line("start", fmt.Sprintf("%d rollouts, %d at once with the CLI's start options (as starter start --all): %s, %.1f rollouts/s (all invitations stored after %s) | baseline %d benchNoop: %s, %.1f workflows/s | ratio %s",
		n, starters, secs(dRoll), rate(dRoll), secs(invited), n, secs(dNoop), rate(dNoop), ratio(rate(dRoll), rate(dNoop))))
	in, err := codec.NewDataConverter(benchKeys).ToPayloads(rolloutInput(b.ms[0], w))
	if err != nil {
		return err
	}
	b.line("start.idle", fmt.Sprintf("the start path alone (%d rollouts on a task queue no worker polls; input %.1f KiB sealed): %s, %.1f rollouts/s | baseline benchNoop (no input) | ratio %s",
		n, float64(proto.Size(in))/1024, secs(dIdle), rate(dIdle), ratio(rate(dIdle), rate(dNoop))))
	per := func(c cpus) string {
		return fmt.Sprintf("bench process %.1f ms, dev server %.1f ms", c.self.Seconds()*1000/float64(n), c.server.Seconds()*1000/float64(n))
	}
	b.line("start.cpu", fmt.Sprintf("CPU per start while starting: rollouts run by the in-process worker %s; rollouts nobody runs %s | baseline benchNoop %s",
		per(cRoll), per(cIdle), per(cNoop)))
	return nil
}

// idleQueue is a task queue no worker polls.
const idleQueue = "amwaht-bench-idle"

// cpus is the CPU this process and the dev server have used.
type cpus struct{ self, server time.Duration }

func (s *stack) cpus() cpus { return cpus{selfCPU(), procCPU(s.srv.PID())} }

func (c cpus) minus(d cpus) cpus { return cpus{c.self - d.self, c.server - d.server} }

// startProfile starts a CPU profile into path ("" for none) and returns
// what stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// update: a staff action's round trip (UpdateWorkflow waiting for
// completion): `apply` with an invalid application, rejected by the
// rollout's validator, against a no-op update on benchNoop, accepted and
// rejected; the calls interleave so drift hits all three alike.
func (b *bench) update(ctx context.Context) error {
	s := b.s
	utrecht, err := municipality.Lookup("GM0344")
	if err != nil {
		return err
	}
	w := wave.Compress(wave.Wave2012(), "demo-update", time.Now(), longDay)
	ids, _, err := s.startRollouts(ctx, []municipality.Municipality{utrecht}, w)
	defer func() { _ = s.terminate(context.Background(), ids) }()
	if err != nil {
		return err
	}
	noops, _, err := s.startNoops(ctx, "bench-update-noop", 1)
	defer func() { _ = s.terminate(context.Background(), noops) }()
	if err != nil {
		return err
	}
	if err := s.waitInvited(ctx, 1, w.Name); err != nil {
		return err
	}
	s.settle(ctx)
	rolloutID, noop := ids[0], noops[0]
	before, err := s.historyOf(ctx, rolloutID)
	if err != nil {
		return err
	}

	bad := &plan.ProducerApplication{Organisation: "Welzijn Utrecht", Kind: "bakkerij", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@welzijn.example.nl"}
	rc := s.rollouts(benchActor)
	// call sends a rollout's action through the typed client, as staff's
	// tools do, and the baseline's Update as plainly as the SDK allows.
	call := func(id, name string, arg any, reject bool) (time.Duration, error) {
		t0 := time.Now()
		var err error
		if p, ok := arg.(plan.Payload); ok {
			_, _, err = rc.Send(ctx, id, name, p)
		} else {
			var h client.WorkflowUpdateHandle
			h, err = s.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			if err == nil {
				err = h.Get(ctx, nil)
			}
		}
		d := time.Since(t0)
		switch {
		case ctx.Err() != nil:
			return d, ctx.Err()
		case reject && err == nil:
			return d, fmt.Errorf("update %s on %s was accepted, want it rejected", name, id)
		case reject && name == plan.ActApply && !strings.Contains(err.Error(), `unknown kind of producer "bakkerij"`):
			return d, fmt.Errorf("apply rejected for another reason: %v", err)
		case !reject && err != nil:
			return d, fmt.Errorf("update %s on %s: %w", name, id, err)
		}
		return d, nil
	}
	type op struct {
		id, name string
		arg      any
		reject   bool
	}
	calls := b.scaled(300, 20)
	// rounds makes ten rounds of warm-up and then calls rounds of ops, one
	// after another, and returns each op's round trips.
	rounds := func(ops ...op) ([][]time.Duration, error) {
		ds := make([][]time.Duration, len(ops))
		for i := -10; i < calls; i++ {
			for j, o := range ops {
				d, err := call(o.id, o.name, o.arg, o.reject)
				if err != nil {
					return nil, err
				}
				if i >= 0 {
					ds[j] = append(ds[j], d)
				}
			}
		}
		return ds, nil
	}
	acceptedNoop := op{noop, "noop", false, false}
	ds, err := rounds(op{rolloutID, plan.ActApply, bad, true}, acceptedNoop, op{noop, "noop", true, true})
	if err != nil {
		return err
	}
	apply, acc, rej := ds[0], ds[1], ds[2]
	after, err := s.historyOf(ctx, rolloutID)
	if err != nil {
		return err
	}
	for _, p := range []float64{50, 99} {
		pa, px, pr := percentile(apply, p), percentile(acc, p), percentile(rej, p)
		b.line(fmt.Sprintf("update.p%.0f", p), fmt.Sprintf("%d× `apply` rejected by the rollout's validator: %s | baseline benchNoop update: accepted %s, rejected %s | ratio %s (vs accepted), %s (vs rejected)",
			calls, ms(pa), ms(px), ms(pr), ratio(float64(pa), float64(px)), ratio(float64(pa), float64(pr))))
	}
	if d := len(after.Events) - len(before.Events); d != 0 {
		b.line("update.history", fmt.Sprintf("WARNING: the rollout's history grew by %d events during %d rejected updates", d, calls+10))
	} else {
		b.line("update.history", fmt.Sprintf("%d rejected updates left the rollout's history at %d events | baseline: benchNoop's accepted updates wrote theirs", calls+10, len(before.Events)))
	}

	// Accepted staff updates: a producer applies, then funding commitments
	// (accepted any number of times before the start) go in one after another.
	good := &plan.ProducerApplication{Organisation: "Welzijn Utrecht", Kind: "welzijnsinstelling", ContactName: "Fatma Yilmaz", ContactEmail: "f.yilmaz@welzijn.example.nl"}
	if _, err := call(rolloutID, plan.ActApply, good, false); err != nil {
		return err
	}
	commit := &plan.Commitment{Source: plan.FundingSources[0], Name: "bench", AmountCents: 100}
	if ds, err = rounds(op{rolloutID, plan.ActFunding, commit, false}, acceptedNoop); err != nil {
		return err
	}
	fund, acc2 := ds[0], ds[1]
	for _, p := range []float64{50, 99} {
		pf, px := percentile(fund, p), percentile(acc2, p)
		b.line(fmt.Sprintf("update.ok.p%.0f", p), fmt.Sprintf("%d× `funding` accepted: %s | baseline benchNoop update accepted: %s | ratio %s",
			calls, ms(pf), ms(px), ratio(float64(pf), float64(px))))
	}
	return nil
}

// Server limits on one workflow's history (Temporal's defaults, which the
// dev server keeps): it fails at the limit, warns at the warning.
const (
	historyEventsLimit = 51_200
	historyEventsWarn  = 10_240
	historyBytesLimit  = 50 << 20
	historyBytesWarn   = 10 << 20
)

// history: events and bytes of complete lifecycles on a fast demo wave
// (a day lasts 50 ms), played by the scripted actor, against the limits.
func (b *bench) history(ctx context.Context) error {
	s := b.s
	codes := []string{"GM0344", "GM0363", "GM0518", "GM0599"}
	ms := make([]municipality.Municipality, len(codes))
	variants := make([]simulate.Variant, len(codes))
	for i, c := range codes {
		m, err := municipality.Lookup(c)
		if err != nil {
			return err
		}
		ms[i], variants[i] = m, simulate.VariantFor(i)
	}
	w := wave.Compress(wave.Wave2012(), "demo-history", time.Now(), 50*time.Millisecond)
	t0 := time.Now()
	ids, _, err := s.startRollouts(ctx, ms, w)
	defer func() { _ = s.terminate(context.Background(), ids) }()
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	actor := &simulate.Actor{C: s.rollouts(simulate.Player), Out: io.Discard, Poll: 20 * time.Millisecond}
	if err := actor.Run(actx, ids, variants); err != nil {
		return fmt.Errorf("scripted actor: %w", err)
	}
	lifecycle := time.Since(t0)

	maxEvents, maxBytes := 0, 0
	for i, id := range ids {
		var res rollout.Result
		if err := s.c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		for _, wid := range []string{id, rollout.CohortWorkflowID(id)} {
			h, err := s.historyOf(ctx, wid)
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue // no cohort: the rollout ended before the start
			}
			if err != nil {
				return err
			}
			kind := "rollout"
			if wid != id {
				kind = "cohort"
			}
			events, size := len(h.Events), historySize(h)
			maxEvents, maxBytes = max(maxEvents, events), max(maxBytes, size)
			b.line("history", fmt.Sprintf("%-13s %s %-7s (%s): %6s events, %7.1f KiB | limits %s events, %d MiB (warnings at %s, %d MiB): %.2f %% / %.3f %% of the limits",
				variants[i], ms[i].Code, kind, res.Outcome, thousands(int64(events)), float64(size)/1024,
				thousands(historyEventsLimit), historyBytesLimit>>20, thousands(historyEventsWarn), historyBytesWarn>>20,
				100*float64(events)/historyEventsLimit, 100*float64(size)/historyBytesLimit))
		}
	}
	b.line("history.max", fmt.Sprintf("largest history %s events, %.1f KiB: %.1f× below the event warning, %.0f× below the size warning (4 lifecycles in %s, a day lasting 50 ms)",
		thousands(int64(maxEvents)), float64(maxBytes)/1024, float64(historyEventsWarn)/float64(maxEvents), float64(historyBytesWarn)/float64(maxBytes), secs(lifecycle)))
	return nil
}
