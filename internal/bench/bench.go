// Package bench measures amwaht on real parts: a Temporal dev server and a
// PostgreSQL database it starts itself, and the worker in process (as
// internal/e2e runs it), with e-mails stored, not sent. Every figure is
// printed on one line beside a baseline measured in the same run, so that a
// figure from a faster or slower machine still says something: a trivial
// workflow started, updated or held open the same way, the server's history
// limits, or the test environment's own cost. cmd/bench is its command.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/devstack"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/wave"
)

// Figures are the figures' names, in the order they run. Memory runs first,
// so its idle baseline is a worker that has not yet held any workflow.
var Figures = []string{"memory", "start", "update", "history", "console", "sim2012", "wave"}

// Options configure Run.
type Options struct {
	// Only runs one figure (see Figures); "" runs all.
	Only string
	// N is how many municipalities each figure uses (the memory figure three
	// times as many); 0 means all 342. Update round trips scale with it
	// (300 at 342); the history figure always runs its four rollouts.
	N int
	// DayLength is how long a demo-wave day lasts in the wave figure; 0
	// means one second, the demo's.
	DayLength time.Duration
	// StartProfile, when set, is a file for a CPU profile of this process
	// during the start figure's bulk start.
	StartProfile string
	// Out receives the figures, one line each; Log the progress.
	Out, Log io.Writer
}

// Run measures the figures and prints them. A figure that fails is
// reported on its line and the others still run; the error joins them.
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Only != "" && !slices.Contains(Figures, o.Only) {
		return fmt.Errorf("unknown figure %q: use one of %s", o.Only, strings.Join(Figures, ", "))
	}
	if o.DayLength <= 0 {
		o.DayLength = wave.DemoDayLength
	}
	all := len(municipality.All())
	if o.N <= 0 || o.N > all {
		o.N = all
	}
	b := &bench{o: o, ms: municipality.All()[:o.N], wall0: time.Now(), cpu0: selfCPU()}
	b.line("machine", Machine())

	var errs []error
	for _, name := range Figures {
		if o.Only != "" && name != o.Only {
			continue
		}
		if name != "sim2012" && name != "wave" && b.s == nil {
			s, err := startStack(ctx, o)
			if s != nil {
				defer s.close(o.Log)
			}
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("starting the dev server, PostgreSQL and the worker: %w", err))...)
			}
			b.s = s
			b.line("stack", s.describe(ctx))
		}
		fmt.Fprintf(o.Log, "bench: %s …\n", name)
		var err error
		switch name {
		case "memory":
			err = b.memory(ctx)
		case "start":
			err = b.start(ctx)
		case "update":
			err = b.update(ctx)
		case "history":
			err = b.history(ctx)
		case "console":
			err = b.consoleFigure(ctx)
		case "sim2012":
			err = b.sim2012(ctx)
		case "wave":
			err = b.wave(ctx)
		}
		if err != nil {
			b.line(name, "FAILED: "+err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	total := fmt.Sprintf("bench process %s CPU over %s wall", secs(selfCPU()-b.cpu0), secs(time.Since(b.wall0)))
	if b.s != nil {
		pid := b.s.srv.PID()
		total += fmt.Sprintf("; dev server %s CPU, RSS now %s", secs(procCPU(pid)), mib(rss(pid)))
	}
	b.line("total", total)
	return errors.Join(errs...)
}

type bench struct {
	o     Options
	ms    []municipality.Municipality
	s     *stack
	wall0 time.Time
	cpu0  time.Duration
}

// line prints one figure: a name column, then the measurement.
func (b *bench) line(name, text string) { fmt.Fprintf(b.o.Out, "%-16s %s\n", name, text) }

// scaled scales a count given for all 342 municipalities to N of them.
func (b *bench) scaled(n, floor int) int {
	all := len(municipality.All())
	v := n * len(b.ms) / all
	return max(v, min(floor, n))
}

// stack is the dev server, the database and the worker.
type stack struct {
	srv     *devstack.TemporalServer
	pg      *devstack.Postgres
	pgDir   string
	dbName  string
	db      *sqlx.DB
	c       client.Client
	noop    worker.Worker
	stopApp context.CancelFunc
	appDone chan error
}

// The bench encrypts as a deployment does, with a key of its own (the
// baseline's no-op workflows too, so the ratios compare like with like).
var (
	benchKeyEntry = mustKeyEntry()
	benchKeys     = mustParseKeys(benchKeyEntry)
)

func mustKeyEntry() string {
	e, err := codec.NewKeyEntry("bench", time.Now())
	if err != nil {
		panic(err)
	}
	return e
}

func mustParseKeys(entry string) *codec.Keyring {
	k, err := codec.ParseKeys(entry)
	if err != nil {
		panic(err)
	}
	return k
}

// rollouts is a typed client on the bench's connection.
func (s *stack) rollouts(actor plan.Actor) *rollout.Client {
	return &rollout.Client{T: s.c, Actor: actor, Converter: codec.NewDataConverter(benchKeys)}
}

// noopQueue is the task queue of the baseline workflows; they run on a
// worker of their own in the same process (see benchNoop).
const noopQueue = "amwaht-bench"

func startStack(ctx context.Context, o Options) (*stack, error) {
	s := &stack{}
	bin, err := devstack.TemporalCLI(ctx, o.Log)
	if err != nil {
		return s, err
	}
	s.srv, err = devstack.StartTemporal(ctx, bin, devstack.TemporalOptions{
		Headless:         true,
		SearchAttributes: rollout.SearchAttributeFlags(),
	})
	if err != nil {
		return s, err
	}

	if s.pgDir, err = os.MkdirTemp("", "amwaht-bench-pg-"); err != nil {
		return s, err
	}
	if s.pg, err = devstack.FindPostgres(ctx, s.pgDir, o.Log); err != nil {
		return s, err
	}
	rnd := make([]byte, 6)
	_, _ = rand.Read(rnd)
	s.dbName = "amwaht_bench_" + hex.EncodeToString(rnd)
	dbURL, err := s.pg.EnsureDatabase(ctx, s.dbName)
	if err != nil {
		return s, err
	}

	// The worker's environment, as internal/e2e's startSystem sets it, but
	// without SENDGRID_API_KEY: every e-mail is rendered and stored, not sent.
	for k, v := range map[string]string{
		"TEMPORAL_ADDRESS":    s.srv.Address,
		"TEMPORAL_NAMESPACE":  s.srv.Namespace,
		"DATABASE_URL":        dbURL,
		"AMWAHT_STAFF_EMAIL":  "staf@stichtingbmp.example.nl",
		"AMWAHT_METRICS_ADDR": "127.0.0.1:0", // metrics on, as deployed, on a port nobody else uses
		codec.EnvKeys:         benchKeyEntry, // payloads encrypted, as deployed
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"SENDGRID_API_KEY", "SENDGRID_SANDBOX", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE", codec.EnvKeyFile, codec.EnvEncryptWith} {
		os.Unsetenv(k)
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return s, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	s.stopApp, s.appDone = cancel, make(chan error, 1)
	log := slog.New(slog.NewTextHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { s.appDone <- app.RunWorker(wctx, cfg, log) }()

	if s.db, err = app.OpenDB(ctx, dbURL); err != nil {
		return s, err
	}
	copts := client.Options{HostPort: s.srv.Address, Namespace: s.srv.Namespace, Logger: devstack.QuietLogger()}
	codec.Configure(&copts, benchKeys)
	if s.c, err = client.DialContext(ctx, copts); err != nil {
		return s, err
	}
	s.noop = worker.New(s.c, noopQueue, worker.Options{})
	registerNoop(s.noop)
	if err := s.noop.Start(); err != nil {
		return s, err
	}
	return s, s.waitForWorker(ctx)
}

// waitForWorker returns once the worker polls its task queue.
func (s *stack) waitForWorker(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case err := <-s.appDone:
			s.appDone <- err
			return fmt.Errorf("the worker stopped at start: %v", err)
		default:
		}
		resp, err := s.c.DescribeTaskQueue(ctx, rollout.TaskQueue, enums.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil && len(resp.GetPollers()) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the worker does not poll task queue %s after a minute (last error: %v)", rollout.TaskQueue, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *stack) describe(ctx context.Context) string {
	pg := "PostgreSQL"
	var v string
	if err := s.db.GetContext(ctx, &v, "SHOW server_version"); err == nil {
		pg += " " + strings.Fields(v)[0]
	}
	where := "shared server"
	if s.pg.Private {
		where = "private cluster"
	}
	return fmt.Sprintf("Temporal CLI %s dev server (in-memory SQLite, headless) at %s; %s (%s), database %s; worker in process, e-mails stored not sent",
		devstack.TemporalCLIVersion, s.srv.Address, pg, where, s.dbName)
}

// close stops the worker and the server and drops the database; safe on a
// partly started stack.
func (s *stack) close(logw io.Writer) {
	if s.noop != nil {
		s.noop.Stop()
	}
	if s.stopApp != nil {
		s.stopApp()
		select {
		case err := <-s.appDone:
			if err != nil {
				fmt.Fprintf(logw, "bench: worker: %v\n", err)
			}
		case <-time.After(45 * time.Second):
			fmt.Fprintln(logw, "bench: the worker did not stop within 45 s")
		}
	}
	if s.c != nil {
		s.c.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
	if err := s.srv.Stop(); err != nil {
		fmt.Fprintf(logw, "bench: %v\n", err)
	}
	if s.dbName != "" && s.pg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.pg.DropDatabase(ctx, s.dbName); err != nil {
			fmt.Fprintf(logw, "bench: %v\n", err)
		} else {
			fmt.Fprintf(logw, "bench: dropped database %s\n", s.dbName)
		}
	}
	if err := s.pg.Stop(); err != nil {
		fmt.Fprintf(logw, "bench: %v\n", err)
	}
	if s.pgDir != "" {
		_ = os.RemoveAll(s.pgDir)
	}
}
