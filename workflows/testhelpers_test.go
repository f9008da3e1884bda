package workflows

import (
	"io"
	"log/slog"
	"os"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
)

func activityName(n string) activity.RegisterOptions { return activity.RegisterOptions{Name: n} }

// quietLogger keeps the test environment's debug chatter out of test output
// unless AMWAHT_TEST_LOG is set.
func quietLogger() log.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("AMWAHT_TEST_LOG") != "" {
		w = os.Stderr
	}
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
