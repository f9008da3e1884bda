package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/worker"

	"github.com/stichtingbmp/amwaht/activities"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/schema"
	"github.com/stichtingbmp/amwaht/workflows"
)

// StopTimeout is how long a stopping worker lets running activities finish.
const StopTimeout = 30 * time.Second

// RunWorker migrates the database, registers the search attributes, and runs
// the workflows and activities on the task queue until ctx ends (SIGINT or
// SIGTERM in the worker's main), then stops gracefully.
func RunWorker(ctx context.Context, cfg Config, log *slog.Logger) error {
	db, err := OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := schema.Migrate(ctx, db.DB, log); err != nil {
		return err
	}

	c, err := DialTemporal(ctx, log)
	if err != nil {
		return err
	}
	defer c.Close()
	opts, _ := TemporalOptions()
	if err := EnsureSearchAttributes(ctx, c, opts.Namespace, log); err != nil {
		return err
	}

	acts := NewActivities(db, cfg, log)
	w := worker.New(c, workflows.TaskQueue, worker.Options{WorkerStopTimeout: StopTimeout})
	Register(w, acts)

	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", workflows.TaskQueue, err)
	}
	mode := "sending through SendGrid"
	if acts.Sender == nil {
		mode = "no SENDGRID_API_KEY: e-mails are stored and logged, not sent"
	}
	log.Info("worker running", "task_queue", workflows.TaskQueue, "temporal", opts.HostPort, "namespace", opts.Namespace, "email", mode)
	<-ctx.Done()
	log.Info("worker stopping: letting running activities finish", "timeout", StopTimeout)
	w.Stop()
	log.Info("worker stopped")
	return nil
}

// NewActivities builds the activities from the configuration.
func NewActivities(db *sqlx.DB, cfg Config, log *slog.Logger) *activities.Activities {
	a := &activities.Activities{
		DB:         db,
		From:       mail.Contact{Name: "Stichting BMP (AMWAHT)", Email: cfg.FromEmail},
		ReplyTo:    mail.BackOffice,
		StaffEmail: cfg.StaffEmail,
		Log:        log,
	}
	if cfg.SendGridAPIKey != "" {
		a.Sender = mail.SendGrid{APIKey: cfg.SendGridAPIKey, Host: cfg.SendGridAPIHost, Sandbox: cfg.SendGridSandbox}
	}
	return a
}

// Register puts the workflows and activities on a worker; the replayer and
// tests use the same list.
func Register(w worker.Registry, acts *activities.Activities) {
	w.RegisterWorkflow(workflows.RolloutWorkflow)
	w.RegisterWorkflow(workflows.CohortWorkflow)
	w.RegisterActivity(acts)
}
