// Package cli is the staff command line ("starter"): BMP staff start
// rollouts, record what happened, and read status, all through Temporal.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/municipality"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitError       = 1 // anything else
	ExitUsage       = 2 // wrong flags or arguments
	ExitRejected    = 3 // the rollout rejected the action (validator's message printed)
	ExitNotFound    = 4 // no such rollout or municipality
	ExitUnreachable = 5 // Temporal (or PostgreSQL) did not answer
)

// exitError carries an exit code with the message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// env is what every command shares; the Temporal client is dialed on first use.
type env struct {
	ctx    context.Context
	out    io.Writer
	errOut io.Writer
	c      client.Client
}

func (e *env) client() (client.Client, error) {
	if e.c != nil {
		return e.c, nil
	}
	c, err := dialTemporal(e.ctx)
	if err != nil {
		return nil, withCode(ExitUnreachable, err)
	}
	e.c = c
	return c, nil
}

// dialTemporal connects to Temporal; a variable so that the fuzz test of the
// argument handling runs without a server.
var dialTemporal = func(ctx context.Context) (client.Client, error) { return app.DialTemporal(ctx, nil) }

func (e *env) close() {
	if e.c != nil {
		e.c.Close()
	}
}

// Run executes the CLI with args and returns the process's exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, out: stdout, errOut: stderr}
	defer e.close()
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "error:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, app.ErrUnreachable) {
		return ExitUnreachable
	}
	if isUsage(err) {
		fmt.Fprintln(stderr, "Run with --help for usage.")
		return ExitUsage
	}
	return ExitError
}

// isUsage recognises cobra's own argument and flag errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "required flag", "accepts ", "requires ", "unknown command", "invalid argument", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "starter",
		Short: "BMP staff's command line for AMWAHT rollouts",
		Long: `starter starts AMWAHT rollouts (one per municipality per wave), records what
happened in them, and shows where they stand. It talks to Temporal: set
TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (defaults localhost:7233, default).

Exit codes: 0 ok, 1 error, 2 usage, 3 rejected by the rollout, 4 not found,
5 Temporal or PostgreSQL unreachable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newStart(e), newApply(e), newStatus(e), newSimulate(e), newEmails(e), newContact(e), newMunicipalities(e), newWaves(e))
	root.AddCommand(staffCommands(e)...)
	root.AddCommand(newList(e), newStalled(e), newTimeline(e))
	return root
}

// Main is the starter binary's whole main.
func Main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// lookupMunicipality maps the municipality package's errors to exit codes.
func lookupMunicipality(code string) (municipality.Municipality, error) {
	m, err := municipality.Lookup(code)
	if err != nil {
		return m, withCode(ExitNotFound, err)
	}
	return m, nil
}

// notFound turns Temporal's "no such workflow" into a message staff can act on.
func notFound(err error, m municipality.Municipality, wave, id string) error {
	if isNotFound(err) {
		return withCode(ExitNotFound, fmt.Errorf("no rollout for %s in wave %s (workflow %s): start one with 'starter start --municipality %s --wave %s --contact-email …'",
			m, wave, id, m.Code, wave))
	}
	return err
}
