package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/devstack"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
	"github.com/stichtingbmp/amwaht/internal/simulate"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// waveActors is how many scripted actors share the rollouts of the wave
// figure: one actor acts on its rollouts one after another, so one actor for
// 342 rollouts would itself be late for a step that lasts a few days.
const waveActors = 8

// waveRun is what the wave figure measured on one server.
type waveRun struct {
	server                 string // "dev server" or "cluster"
	n, asExpected          int
	unexpected             []string
	fired, handled         []time.Duration // timer lateness: fire, and the workflow task that handled it
	firedLong              []time.Duration // fire lateness of timers of a second or longer
	events, workflows      int
	startDur, lifecycle    time.Duration // bulk start; first start to last close
	workerCPU, serverCPU   time.Duration
	actorCPU               time.Duration // this process: starts, actor, e-mail stand-in
	workerPeak, serverPeak int64
	workerLast, serverLast int64
	dbSizes                []dbSize
	mails                  int
	queries, updates       int64 // the actors' status queries and actions
	tasks                  taskCounts
	actorErrors            int
	describe               string
	dayLength              time.Duration
	endedBy                time.Duration
}

type dbSize struct {
	name  string
	bytes int64
}

// wave: a whole wave at scale. All N municipalities start on the demo wave
// (the 2012 wave compressed, a day lasting Options.DayLength) at once with
// the CLI's bulk start, and scripted actors (internal/simulate) play every
// one to its end, on the dev server and then on Temporal's own server on
// PostgreSQL, each with a worker process of its own.
func (b *bench) wave(ctx context.Context) error {
	bin, cleanup, err := buildWorker(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	var runs []*waveRun
	var errs []error
	for _, server := range []string{"dev server", "cluster"} {
		fmt.Fprintf(b.o.Log, "bench: wave on the %s …\n", server)
		r, err := b.waveOn(ctx, server, bin)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", server, err))
			b.line("wave", fmt.Sprintf("%s FAILED: %v", server, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		runs = append(runs, r)
		b.line("wave.stack", r.describe)
	}
	b.waveLines(runs)
	return errors.Join(errs...)
}

func (b *bench) waveLines(runs []*waveRun) {
	side := func(f func(r *waveRun) string) string {
		var s string
		for i, r := range runs {
			if i > 0 {
				s += " | "
			}
			s += r.server + ": " + f(r)
		}
		return s
	}
	days := func(r *waveRun, d time.Duration) string {
		return fmt.Sprintf("%.3f", float64(d)/float64(r.dayLength))
	}
	if len(runs) == 0 {
		return
	}
	r0 := runs[0]
	b.line("wave", fmt.Sprintf("%d municipalities on the demo wave (a day lasts %s), bulk start + %d scripted actors until every rollout ended; side by side:", r0.n, r0.dayLength, waveActors))
	b.line("wave.outcomes", side(func(r *waveRun) string {
		s := fmt.Sprintf("%d/%d as expected", r.asExpected, r.n)
		if len(r.unexpected) > 0 {
			s += fmt.Sprintf(" (first unexpected: %s)", r.unexpected[0])
		}
		return s
	}))
	b.line("wave.late", side(func(r *waveRun) string {
		pf := func(p float64) time.Duration { return percentile(r.fired, p) }
		pl := func(p float64) time.Duration { return percentile(r.firedLong, p) }
		return fmt.Sprintf("%d timers fired late by p50 %s, p99 %s, max %s days (the %d of 1 s or longer: p50 %s, p99 %s, max %s)",
			len(r.fired), days(r, pf(50)), days(r, pf(99)), days(r, pf(100)), len(r.firedLong), days(r, pl(50)), days(r, pl(99)), days(r, pl(100)))
	}))
	b.line("wave.handled", side(func(r *waveRun) string {
		ph := func(p float64) time.Duration { return percentile(r.handled, p) }
		return fmt.Sprintf("handled (workflow task done) late by p50 %s, p99 %s, max %s days", days(r, ph(50)), days(r, ph(99)), days(r, ph(100)))
	}))
	b.line("wave.tasks", side(func(r *waveRun) string {
		t := r.tasks
		return fmt.Sprintf("%s workflow tasks completed; timed out waiting on the sticky queue %d, running %d, other %d; failed %d",
			thousands(int64(t.completed)), t.stickyTimeouts, t.runTimeouts, t.startTimeouts, t.failed)
	}))
	b.line("wave.goal", side(func(r *waveRun) string {
		p99 := float64(percentile(r.fired, 99)) / float64(r.dayLength)
		verdict := "met"
		if p99 > 0.1 {
			verdict = "MISSED"
		}
		return fmt.Sprintf("p99 fired %.3f days against a goal of 0.1 (at one second a day; this run %s): %s", p99, r.dayLength, verdict)
	}))
	b.line("wave.events", side(func(r *waveRun) string {
		return fmt.Sprintf("%s events in %d histories over %s (first start to last close): %.0f events/s; bulk start %s (%.1f rollouts/s)",
			thousands(int64(r.events)), r.workflows, secs(r.lifecycle), float64(r.events)/r.lifecycle.Seconds(), secs(r.startDur), float64(r.n)/r.startDur.Seconds())
	}))
	b.line("wave.worker", side(func(r *waveRun) string {
		return fmt.Sprintf("worker process %s CPU (%.0f %% of a core), RSS peak %s, at the end %s",
			secs(r.workerCPU), 100*r.workerCPU.Seconds()/r.lifecycle.Seconds(), mib(r.workerPeak), mib(r.workerLast))
	}))
	b.line("wave.server", side(func(r *waveRun) string {
		return fmt.Sprintf("Temporal %s CPU (%.0f %% of a core), RSS peak %s, at the end %s",
			secs(r.serverCPU), 100*r.serverCPU.Seconds()/r.lifecycle.Seconds(), mib(r.serverPeak), mib(r.serverLast))
	}))
	b.line("wave.bench", side(func(r *waveRun) string {
		return fmt.Sprintf("bench process (starts, actors, e-mail stand-in) %s CPU; the actors' load: %s status queries (%.0f/s), %s actions, %d of them refused or failed and tried again; %s e-mails",
			secs(r.actorCPU), thousands(r.queries), float64(r.queries)/r.endedBy.Seconds(), thousands(r.updates), r.actorErrors, thousands(int64(r.mails)))
	}))
	b.line("wave.postgres", side(func(r *waveRun) string {
		var s string
		for i, d := range r.dbSizes {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%s %s", d.name, mib(d.bytes))
		}
		return s
	}))
}

// waveServer is a Temporal server the wave figure runs on.
type waveServer interface {
	PID() int
	Stop() error
}

func (b *bench) waveOn(ctx context.Context, server, workerBin string) (*waveRun, error) {
	n := len(b.ms)
	r := &waveRun{server: server, n: n, dayLength: b.o.DayLength}
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	suffix := hex.EncodeToString(rnd)

	pgDir, err := os.MkdirTemp("", "amwaht-bench-pg-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(pgDir)
	pg, err := devstack.FindPostgres(ctx, pgDir, b.o.Log)
	if err != nil {
		return nil, err
	}
	defer pg.Stop()
	var drop []string
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, db := range drop {
			if err := pg.DropDatabase(dctx, db); err != nil {
				fmt.Fprintf(b.o.Log, "bench: %v\n", err)
			} else {
				fmt.Fprintf(b.o.Log, "bench: dropped database %s\n", db)
			}
		}
	}()

	var srv waveServer
	var front devstack.Frontend
	var what string
	switch server {
	case "dev server":
		cli, err := devstack.TemporalCLI(ctx, b.o.Log)
		if err != nil {
			return nil, err
		}
		s, err := devstack.StartTemporal(ctx, cli, devstack.TemporalOptions{Headless: true, SearchAttributes: rollout.SearchAttributeFlags()})
		if err != nil {
			return nil, err
		}
		srv, front = s, s.Frontend
		what = fmt.Sprintf("Temporal CLI %s dev server (in-memory SQLite)", devstack.TemporalCLIVersion)
	default:
		tdb, vdb := "amwaht_bench_temporal_"+suffix, "amwaht_bench_visibility_"+suffix
		drop = append(drop, tdb, vdb)
		c, err := devstack.StartCluster(ctx, devstack.ClusterOptions{
			Postgres: pg, DBName: tdb, VisibilityDBName: vdb, SearchAttributes: rollout.SearchAttributeFlags(),
		}, b.o.Log)
		if err != nil {
			return nil, err
		}
		srv, front = c, c.Frontend
		what = fmt.Sprintf("Temporal server %s on PostgreSQL (databases %s, %s)", devstack.ServerVersion, tdb, vdb)
		r.dbSizes = append(r.dbSizes, dbSize{"temporal", 0}, dbSize{"visibility", 0})
		defer func() {
			// Sizes once the server has written everything, before the drop.
			r.dbSizes[0].bytes, _ = databaseSize(context.Background(), pg, tdb)
			r.dbSizes[1].bytes, _ = databaseSize(context.Background(), pg, vdb)
		}()
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintf(b.o.Log, "bench: %v\n", err)
		}
	}()

	adb := "amwaht_bench_wave_" + suffix
	dbURL, err := pg.EnsureDatabase(ctx, adb)
	if err != nil {
		return nil, err
	}
	drop = append(drop, adb)
	r.dbSizes = append(r.dbSizes, dbSize{"amwaht", 0})
	ai := len(r.dbSizes) - 1
	defer func() { r.dbSizes[ai].bytes, _ = databaseSize(context.Background(), pg, adb) }()

	sg := sendgridfake.New()
	defer sg.Close()
	wp, err := startWorkerProcess(workerBin, map[string]string{
		"TEMPORAL_ADDRESS": front.Address, "TEMPORAL_NAMESPACE": front.Namespace,
		"DATABASE_URL": dbURL, "SENDGRID_API_KEY": "SG.bench", "SENDGRID_API_HOST": sg.URL,
		"AMWAHT_STAFF_EMAIL": "staf@stichtingbmp.example.nl", "AMWAHT_METRICS_ADDR": "off",
		codec.EnvKeys: benchKeyEntry,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := wp.stop(); serr != nil {
			fmt.Fprintf(b.o.Log, "bench: %v\n", serr)
		}
	}()

	copts := client.Options{HostPort: front.Address, Namespace: front.Namespace, Logger: devstack.QuietLogger()}
	codec.Configure(&copts, benchKeys)
	c, err := client.DialContext(ctx, copts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := waitPollers(ctx, c, wp); err != nil {
		return nil, err
	}
	r.describe = fmt.Sprintf("%s: %s at %s; worker process pid %d; PostgreSQL database %s; e-mails to a SendGrid stand-in", server, what, front.Address, wp.pid(), adb)

	// Sample the two processes' memory until the end.
	var mu sync.Mutex
	sampleDone := make(chan struct{})
	stopSampling := make(chan struct{})
	var stopOnce sync.Once
	stop := func() { stopOnce.Do(func() { close(stopSampling); <-sampleDone }) }
	defer stop()
	go func() {
		defer close(sampleDone)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			w, s := rss(wp.pid()), rss(srv.PID())
			mu.Lock()
			r.workerPeak, r.serverPeak = max(r.workerPeak, w), max(r.serverPeak, s)
			if w > 0 {
				r.workerLast = w
			}
			if s > 0 {
				r.serverLast = s
			}
			mu.Unlock()
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	w0, s0, c0 := procCPU(wp.pid()), procCPU(srv.PID()), selfCPU()

	// The bulk start, as `starter start --all --wave demo --day-length D`.
	w, err := wave.Lookup(wave.Demo, time.Now(), b.o.DayLength)
	if err != nil {
		return nil, err
	}
	if err := waitSearchAttributes(ctx, c, rolloutInput(b.ms[0], w)); err != nil {
		return nil, err
	}
	qc := &countingClient{Client: c}
	rc := &rollout.Client{T: qc, Actor: simulate.Player, Converter: codec.NewDataConverter(benchKeys)}
	ins := make([]rollout.Input, n)
	for i, m := range b.ms {
		ins[i] = rolloutInput(m, w)
	}
	ids := make([]string, n)
	var startErrs []error
	t0 := time.Now()
	rc.StartMany(ctx, ins, func(s rollout.Started) {
		if s.Err != nil || s.Skipped {
			startErrs = append(startErrs, fmt.Errorf("%s: %v (skipped %v)", s.Input.Municipality.Code, s.Err, s.Skipped))
		}
	})
	r.startDur = time.Since(t0)
	if len(startErrs) > 0 {
		return nil, fmt.Errorf("bulk start: %d failed: %w", len(startErrs), errors.Join(startErrs...))
	}
	variants := make([]simulate.Variant, n)
	for i := range b.ms {
		ids[i], variants[i] = rollout.StartOptions(ins[i]).ID, simulate.VariantFor(i)
	}

	// The scripted actors, each with a share of the rollouts. The whole
	// lifecycle lasts about 560 days; an hour of them is the limit.
	actx, cancel := context.WithTimeout(ctx, 700*b.o.DayLength+10*time.Minute)
	defer cancel()
	counter := &lineCounter{}
	var wg sync.WaitGroup
	actErrs := make([]error, waveActors)
	for k := range waveActors {
		var sids []string
		var svs []simulate.Variant
		for i := k; i < n; i += waveActors {
			sids, svs = append(sids, ids[i]), append(svs, variants[i])
		}
		if len(sids) == 0 {
			continue
		}
		wg.Go(func() {
			a := &simulate.Actor{C: rc, Out: counter, Poll: min(300*time.Millisecond, b.o.DayLength/4)}
			actErrs[k] = a.Run(actx, sids, svs)
		})
	}
	wg.Wait()
	r.endedBy = time.Since(t0)
	if err := errors.Join(actErrs...); err != nil {
		return nil, fmt.Errorf("scripted actors after %s: %w", secs(r.endedBy), err)
	}
	r.actorErrors = counter.errors()
	r.queries, r.updates = qc.queries.Load(), qc.updates.Load()
	r.workerCPU, r.serverCPU, r.actorCPU = procCPU(wp.pid())-w0, procCPU(srv.PID())-s0, selfCPU()-c0
	stop()
	r.mails = len(sg.Mails())

	// Outcomes and histories, 8 at a time.
	type one struct {
		outcome string
		ok      bool
		hs      []*historypb.History
	}
	got := make([]one, n)
	_, err = parallel(ctx, n, starters, func(ctx context.Context, i int) error {
		var res rollout.Result
		if err := c.GetWorkflow(ctx, ids[i], "").Get(ctx, &res); err != nil {
			got[i].outcome = "error: " + err.Error()
		} else {
			got[i].outcome = string(res.Outcome)
			got[i].ok = res.Outcome == simulate.ExpectedOutcome(variants[i])
		}
		for _, wid := range []string{ids[i], rollout.CohortWorkflowID(ids[i])} {
			h, err := historyFrom(ctx, c, wid)
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				continue // no cohort: the rollout ended before the start
			}
			if err != nil {
				return err
			}
			got[i].hs = append(got[i].hs, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var first, last time.Time
	for i, g := range got {
		if g.ok {
			r.asExpected++
		} else {
			r.unexpected = append(r.unexpected, fmt.Sprintf("%s (%s): %s, want %s", ids[i], variants[i], g.outcome, simulate.ExpectedOutcome(variants[i])))
		}
		for _, h := range g.hs {
			r.workflows++
			r.events += len(h.Events)
			r.tasks.add(h)
			fired, handled, long := timerLateness(h)
			r.fired, r.handled, r.firedLong = append(r.fired, fired...), append(r.handled, handled...), append(r.firedLong, long...)
			evs := h.GetEvents()
			if len(evs) == 0 {
				continue
			}
			s, e := evs[0].GetEventTime().AsTime(), evs[len(evs)-1].GetEventTime().AsTime()
			if first.IsZero() || s.Before(first) {
				first = s
			}
			if e.After(last) {
				last = e
			}
		}
	}
	r.lifecycle = last.Sub(first)
	return r, nil
}

// waitSearchAttributes returns once the server accepts a start with the
// rollouts' search attributes: Temporal's own server refuses them for a
// moment after they were registered ("no mapping defined for search
// attribute"). The probe runs on a queue nobody polls and is terminated.
func waitSearchAttributes(ctx context.Context, c client.Client, in rollout.Input) error {
	opts := rollout.StartOptions(in)
	opts.ID, opts.TaskQueue = "bench-probe-"+opts.ID, "amwaht-bench-probe"
	deadline := time.Now().Add(time.Minute)
	for {
		run, err := c.ExecuteWorkflow(ctx, opts, "benchProbe")
		if err == nil {
			return c.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "bench: probe")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server refuses the rollouts' search attributes after a minute: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// taskCounts counts a wave's workflow tasks and those that did not
// complete the first time: timed out (on the worker's sticky queue, waiting
// to be picked up, or while running) or failed.
type taskCounts struct {
	completed, stickyTimeouts, startTimeouts, runTimeouts, failed int
}

func (t *taskCounts) add(h *historypb.History) {
	for _, e := range h.GetEvents() {
		switch e.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			t.completed++
		case enums.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			t.failed++
		case enums.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			a := e.GetWorkflowTaskTimedOutEventAttributes()
			switch {
			case a.GetTimeoutType() == enums.TIMEOUT_TYPE_SCHEDULE_TO_START:
				t.stickyTimeouts++
			case a.GetTimeoutType() == enums.TIMEOUT_TYPE_START_TO_CLOSE:
				t.runTimeouts++
			default:
				t.startTimeouts++
			}
		}
	}
}

// timerLateness reads every timer that fired in a history (workflow.Sleep,
// NewTimer, AwaitWithTimeout alike): how late the server fired it against
// its start plus its timeout, and how late the workflow task after it
// completed (the reminder or deadline then acted on).
//
// long are the fire lateness of timers of a second or longer: Temporal's
// history service schedules no timer task earlier than its look-ahead
// (history.timerProcessorMaxTimeShift, 1 s), so a shorter timer fires up to
// a second late by design.
func timerLateness(h *historypb.History) (fired, handled, long []time.Duration) {
	due := map[string]time.Time{}
	length := map[string]time.Duration{}
	var pending []time.Time // fired, waiting for the next completed workflow task
	for _, e := range h.GetEvents() {
		at := e.GetEventTime().AsTime()
		switch e.GetEventType() {
		case enums.EVENT_TYPE_TIMER_STARTED:
			a := e.GetTimerStartedEventAttributes()
			due[a.GetTimerId()] = at.Add(a.GetStartToFireTimeout().AsDuration())
			length[a.GetTimerId()] = a.GetStartToFireTimeout().AsDuration()
		case enums.EVENT_TYPE_TIMER_FIRED:
			a := e.GetTimerFiredEventAttributes()
			if d, ok := due[a.GetTimerId()]; ok {
				if debugDump != nil {
					fmt.Fprintf(debugDump, "%s %s %s %s\n", d.Format(time.RFC3339Nano), at.Sub(d), length[a.GetTimerId()], h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName())
				}
				if length[a.GetTimerId()] >= time.Second {
					long = append(long, at.Sub(d))
				}
				fired = append(fired, at.Sub(d))
				pending = append(pending, d)
				delete(due, a.GetTimerId())
			}
		case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			for _, d := range pending {
				handled = append(handled, at.Sub(d))
				if debugDump != nil {
					fmt.Fprintf(debugDump, "handled %s %s\n", d.Format(time.RFC3339Nano), at.Sub(d))
				}
			}
			pending = pending[:0]
		}
	}
	return fired, handled, long
}

// debugDump, when BENCH_TIMER_DUMP names a file, receives one line per
// fired timer: due, lateness, length, workflow type.
var debugDump = func() io.Writer {
	if p := os.Getenv("BENCH_TIMER_DUMP"); p != "" {
		f, _ := os.Create(p)
		return f
	}
	return nil
}()

func historyFrom(ctx context.Context, c client.Client, id string) (*historypb.History, error) {
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

func databaseSize(ctx context.Context, pg *devstack.Postgres, name string) (int64, error) {
	db, err := sql.Open("postgres", pg.AdminURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, "SELECT pg_database_size($1)", name).Scan(&n)
	return n, err
}

// countingClient counts what the actors ask of the server: their status
// queries are most of the load a scripted wave adds on top of the rollouts.
type countingClient struct {
	client.Client
	queries, updates atomic.Int64
}

func (c *countingClient) QueryWorkflow(ctx context.Context, id, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	c.queries.Add(1)
	return c.Client.QueryWorkflow(ctx, id, runID, queryType, args...)
}

func (c *countingClient) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	c.updates.Add(1)
	return c.Client.UpdateWorkflow(ctx, o)
}

// lineCounter takes the actors' output and counts the refusals and
// failures among it (an action tried too early is tried again).
type lineCounter struct {
	mu   sync.Mutex
	errs int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range bytes.Split(p, []byte("\n")) {
		if bytes.Count(line, []byte(": ")) >= 3 { // "simulate: ID: action: error"
			l.errs++
		}
	}
	return len(p), nil
}

func (l *lineCounter) errors() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

// buildWorker builds the worker command once (as internal/testenv does for
// the tests) into a temporary folder.
func buildWorker(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "amwaht-bench-worker-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	bin := filepath.Join(dir, "worker")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/stichtingbmp/amwaht/worker").CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building the worker: %w\n%s", err, out)
	}
	return bin, cleanup, nil
}

// workerProcess is the worker running as its own process, as deployed, so
// its CPU and memory are its own.
type workerProcess struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
}

func startWorkerProcess(bin string, env map[string]string) (*workerProcess, error) {
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for _, k := range []string{"SENDGRID_SANDBOX", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE", codec.EnvKeyFile, codec.EnvEncryptWith} {
		cmd.Env = append(cmd.Env, k+"=")
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &workerProcess{cmd: cmd, out: &bytes.Buffer{}, done: make(chan struct{})}
	w := &lockedTail{p: p}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the worker process: %w", err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

func (p *workerProcess) pid() int { return p.cmd.Process.Pid }

func (p *workerProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *workerProcess) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return lastLinesOf(p.out.String(), 20)
}

// stop sends SIGTERM (the worker drains its activities) and kills it after 30 s.
func (p *workerProcess) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("the worker process ignored SIGTERM for 30 s and was killed")
	}
}

type lockedTail struct{ p *workerProcess }

func (w *lockedTail) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.out.Len() > 256<<10 {
		keep := w.p.out.Bytes()[w.p.out.Len()-64<<10:]
		w.p.out = bytes.NewBuffer(append([]byte(nil), keep...))
	}
	return w.p.out.Write(b)
}

func lastLinesOf(s string, n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(s), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// waitPollers returns once the worker process polls the rollouts' queue.
func waitPollers(ctx context.Context, c client.Client, p *workerProcess) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if p.exited() {
			return fmt.Errorf("the worker process exited at start:\n%s", p.tail())
		}
		resp, err := c.DescribeTaskQueue(ctx, rollout.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil && len(resp.GetPollers()) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the worker process does not poll %s after two minutes (%v):\n%s", rollout.TaskQueue, err, p.tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
