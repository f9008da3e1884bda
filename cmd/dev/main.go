// Command dev sets up amwaht for development: `go run ./cmd/dev demo` (what
// `make demo` runs) brings up the whole system locally; `cluster` (what `make
// cluster` runs) the production topology; `temporal-cli` builds the pinned
// Temporal CLI into the cache once.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/stichtingbmp/amwaht/internal/demo"
	"github.com/stichtingbmp/amwaht/internal/devstack"
)

const usage = `usage: go run ./cmd/dev COMMAND

  demo          start the Temporal dev server (Web UI on http://localhost:8233),
                PostgreSQL, the worker and demo rollouts; Ctrl-C stops all of it
  cluster       the production topology without Docker, as docker-compose.yml
                describes it: Temporal server ` + devstack.ServerVersion + ` on PostgreSQL, its Web UI
                (http://localhost:8080), two workers and the console; Ctrl-C stops all of it
  temporal-cli  build the pinned Temporal CLI (` + devstack.TemporalCLIVersion + `) into the cache once and print its path
`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "demo":
		err = demo.Run(ctx, os.Stdout, os.Stderr)
	case "cluster":
		err = demo.Cluster(ctx, os.Stdout, os.Stderr)
	case "temporal-cli":
		var bin string
		if bin, err = devstack.TemporalCLI(ctx, os.Stderr); err == nil {
			fmt.Println(bin)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
