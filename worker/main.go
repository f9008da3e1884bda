// Command worker runs amwaht's rollout workflows and activities on the
// Temporal task queue "amwaht". Configuration comes from the environment;
// see README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
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
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "error", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunWorker(ctx, cfg, log); err != nil {
		log.Error("worker failed", "error", err)
		os.Exit(1)
	}
}
