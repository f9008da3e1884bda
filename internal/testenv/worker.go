package testenv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// Worker is a worker running in the test's process on a fresh database,
// sending its e-mail to a SendGrid stand-in; both end with the test.
type Worker struct {
	DatabaseURL string
	SendGrid    *sendgridfake.Server
}

// StartWorker starts a worker on the package's dev server. The environment
// is the worker's own (TEMPORAL_*, DATABASE_URL, SENDGRID_*,
// AMWAHT_STAFF_EMAIL), set for the test, then env on top, so commands the
// test runs in process (the CLI) find the same system. The test fails if
// the worker stops with an error.
func (e *Env) StartWorker(t testing.TB, env map[string]string) *Worker {
	t.Helper()
	w := &Worker{DatabaseURL: e.NewDatabase(t), SendGrid: sendgridfake.New()}
	t.Cleanup(w.SendGrid.Close)
	for k, v := range map[string]string{
		"TEMPORAL_ADDRESS": e.Temporal.Address, "TEMPORAL_NAMESPACE": e.Temporal.Namespace, "DATABASE_URL": w.DatabaseURL,
		"SENDGRID_API_KEY": "SG.test", "SENDGRID_API_HOST": w.SendGrid.URL,
		"AMWAHT_STAFF_EMAIL": "staf@stichtingbmp.example.nl",
	} {
		t.Setenv(k, v)
	}
	if _, set := os.LookupEnv("AMWAHT_METRICS_ADDR"); !set {
		t.Setenv("AMWAHT_METRICS_ADDR", "off") // tests that want the endpoint set it first
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.RunWorker(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		// A test shorter than the worker's start stops it mid-way, which is
		// no failure.
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("worker: %v", err)
		}
	})
	return w
}
