// Command worker runs amwaht's rollout workflows and activities on the
// Temporal task queue "amwaht". Configuration comes from the environment;
// see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stichtingbmp/amwaht/internal/app"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help") {
		fmt.Print(app.WorkerHelp)
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck())
	}
	log, err := app.LoggerFromEnv(os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "configuration:", err)
		os.Exit(2)
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(2)
	}
	// One context for everything RunWorker starts: on SIGTERM the worker
	// drains its activities and the metrics endpoint shuts down after it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunWorker(ctx, cfg, log); err != nil {
		log.Error("worker failed", "error", err)
		os.Exit(1)
	}
}

// healthcheck asks the running worker's /healthz, for a container health
// check (the distroless image has no curl): exit 0 when healthy, 1 when not.
func healthcheck() int {
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "configuration:", err)
		return 2
	}
	body, err := app.ProbeHealth(context.Background(), cfg.MetricsAddr)
	fmt.Print(body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
