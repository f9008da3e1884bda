// Command bench measures amwaht on a Temporal dev server and PostgreSQL it
// starts itself, with the worker in process; see internal/bench.
//
//	go run ./cmd/bench                # every figure, all 342 municipalities
//	go run ./cmd/bench -n 40          # a quick run: 40 municipalities
//	go run ./cmd/bench -only update   # one figure
//	go run ./cmd/bench -only wave -n 20 -day-length 200ms  # a quick wave at scale
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/stichtingbmp/amwaht/internal/bench"
)

func main() {
	only := flag.String("only", "", "run one figure: "+strings.Join(bench.Figures, ", "))
	n := flag.Int("n", 0, "municipalities per figure, to scale counts down for a quick run (0: all 342)")
	day := flag.Duration("day-length", 0, "how long a demo-wave day lasts in the wave figure (0: one second, as the demo)")
	prof := flag.String("start-profile", "", "write a CPU profile of the start figure's bulk start to this file")
	quiet := flag.Bool("q", false, "no progress on stderr")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := bench.Options{Only: *only, N: *n, DayLength: *day, StartProfile: *prof, Out: os.Stdout, Log: os.Stderr}
	if *quiet {
		opts.Log = nil
	}
	if err := bench.Run(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}
