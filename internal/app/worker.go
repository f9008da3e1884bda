package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/links"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/schema"
	"github.com/stichtingbmp/amwaht/workflows"
)

// StopTimeout is how long a stopping worker lets running activities finish.
const StopTimeout = 30 * time.Second

// opsShutdownTimeout bounds the metrics endpoint's shutdown after the worker
// stopped: long enough for a scrape in flight, short enough to stay well
// inside an orchestrator's grace period (StopTimeout plus this).
const opsShutdownTimeout = 5 * time.Second

// RunWorker migrates the database, registers the search attributes, and runs
// the workflows and activities on the task queue until ctx ends (SIGINT or
// SIGTERM in the worker's main), then stops gracefully. With
// cfg.MetricsAddr it also serves /metrics and /healthz there, from before
// the migrations (so an orchestrator sees "starting", not a refused
// connection) until after the worker stopped (so the last scrape sees the
// drain).
func RunWorker(ctx context.Context, cfg Config, log *slog.Logger) (err error) {
	health := NewHealth()
	var tel *Telemetry
	var sdkMetrics client.MetricsHandler
	if cfg.MetricsAddr != "" {
		var stopOps func() error
		tel, stopOps, err = startOps(cfg.MetricsAddr, health, log)
		if err != nil {
			return err
		}
		// Stopped here, not on ctx: the endpoint outlives the worker's drain.
		defer func() { err = errors.Join(err, stopOps()) }()
		sdkMetrics = tel.SDK
	}

	health.SetState(StateStarting, "connecting to PostgreSQL")
	db, err := openDBWaiting(ctx, cfg.DatabaseURL, cfg.StartupWait, log)
	if err != nil {
		return err
	}
	defer db.Close()
	health.SetDB(db)
	health.SetState(StateStarting, "applying database migrations")
	if _, err := schema.Migrate(ctx, db.DB, log); err != nil {
		return err
	}

	health.SetState(StateStarting, "connecting to Temporal")
	opts, err := TemporalOptions()
	if err != nil {
		return err
	}
	if err := logCodec(log); err != nil {
		return err
	}
	c, err := dialTemporal(ctx, opts, log, sdkMetrics)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := EnsureSearchAttributes(ctx, c, opts.Namespace, log); err != nil {
		return err
	}
	if err := EnsurePurgeSchedule(ctx, c, log); err != nil {
		return err
	}

	acts := NewActivities(db, cfg, log)
	if tel != nil {
		acts.Metrics = tel
	}
	// A fatal error (e.g. the namespace was deleted) stops the SDK's worker
	// for good; ending the process lets the orchestrator restart it and say
	// so, instead of a process that runs but polls nothing.
	fatal := make(chan error, 1)
	w := worker.New(c, rollout.TaskQueue, worker.Options{
		WorkerStopTimeout: StopTimeout,
		OnFatalError: func(err error) {
			select {
			case fatal <- err:
			default:
			}
		},
	})
	Register(w, acts)

	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", rollout.TaskQueue, err)
	}
	health.SetState(StateRunning, "")
	mode := "sending through SendGrid"
	if acts.Sender == nil {
		mode = "no SENDGRID_API_KEY: e-mails are stored and logged, not sent"
	}
	log.Info("worker running", "task_queue", rollout.TaskQueue, "temporal", opts.HostPort, "namespace", opts.Namespace, "email", mode)

	if tel != nil {
		cctx, stopCounting := context.WithCancel(ctx)
		counted := make(chan struct{})
		go func() {
			defer close(counted)
			tel.RunRolloutCounter(cctx, c, cfg.MetricsInterval, log)
		}()
		// Before c.Close (deferred earlier, so run later): the counter uses c.
		defer func() { stopCounting(); <-counted }()
	}

	select {
	case <-ctx.Done():
		health.SetState(StateStopping, "letting running activities finish")
		log.Info("worker stopping: letting running activities finish", "timeout", StopTimeout)
		w.Stop()
		log.Info("worker stopped")
		return nil
	case ferr := <-fatal:
		health.SetState(StateStopping, "fatal error: "+ferr.Error())
		log.Error("worker stopped by a fatal error", "error", ferr)
		w.Stop()
		return fmt.Errorf("worker on task queue %s: %w", rollout.TaskQueue, ferr)
	}
}

// startOps builds the worker's metrics and serves them, with health's
// /healthz, on addr. stop shuts the endpoint down, then the metrics.
func startOps(addr string, health *Health, log *slog.Logger) (tel *Telemetry, stop func() error, err error) {
	tel, err = NewTelemetry(log)
	if err != nil {
		return nil, nil, err
	}
	shutdown := func(f func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), opsShutdownTimeout)
		defer cancel()
		return f(ctx)
	}
	srv, err := StartOpsServer(addr, tel.Handler(), health, log)
	if err != nil {
		return nil, nil, errors.Join(err, shutdown(tel.Shutdown))
	}
	stop = func() error {
		if err := shutdown(srv.Shutdown); err != nil {
			log.Warn("metrics and health endpoint did not stop cleanly", "error", err)
		}
		log.Info("metrics and health endpoint stopped")
		return shutdown(tel.Shutdown)
	}
	return tel, stop, nil
}

// NewActivities builds the activities from the configuration.
func NewActivities(db *sqlx.DB, cfg Config, log *slog.Logger) *activities.Activities {
	a := &activities.Activities{
		DB:         db,
		From:       mail.Contact{Name: "Stichting BMP (AMWAHT)", Email: cfg.FromEmail},
		ReplyTo:    cfg.ReplyTo,
		StaffEmail: cfg.StaffEmail,
		Log:        log,
	}
	a.RetentionDays = cfg.OutboxRetentionDays
	// E-mails asking a party to act carry a personal link to the console's task page.
	a.Links, a.PublicURL = links.Store{DB: db}, cfg.PublicURL
	if cfg.SendGridAPIKey != "" {
		a.Sender = mail.SendGrid{APIKey: cfg.SendGridAPIKey, Host: cfg.SendGridAPIHost, Sandbox: cfg.SendGridSandbox}
	}
	return a
}

// Register puts the workflows and activities on a worker; the replayer and
// tests use the same list.
func Register(w worker.Registry, acts *activities.Activities) {
	workflows.Register(w)
	w.RegisterActivity(acts)
}

// logCodec says which keys the worker encrypts with (IDs and where they
// came from, never the keys), and warns about the published test key.
func logCodec(log *slog.Logger) error {
	keys, err := CodecKeys()
	if err != nil {
		return err
	}
	log.Info("payloads are encrypted", "key", keys.Encrypting(), "keys", keys.IDs(), "from", keys.Source())
	if keys.IsTestKey() {
		log.Warn("the payload codec uses the published test key: it protects nothing; set AMWAHT_CODEC_KEYS or AMWAHT_CODEC_KEY_FILE to a key of your own")
	}
	return nil
}

// openDBWaiting opens PostgreSQL, retrying for up to wait while it cannot
// be reached: a worker started beside its database, or during a restart of
// it, should come up rather than exit.
func openDBWaiting(ctx context.Context, url string, wait time.Duration, log *slog.Logger) (*sqlx.DB, error) {
	deadline := time.Now().Add(wait)
	delay := 500 * time.Millisecond
	for {
		db, err := OpenDB(ctx, url)
		if err == nil || !errors.Is(err, ErrUnreachable) || time.Now().Add(delay).After(deadline) {
			return db, err
		}
		log.Warn("PostgreSQL not reachable yet; retrying", "in", delay, "gives_up_at", deadline.Format(time.RFC3339), "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for PostgreSQL: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}
