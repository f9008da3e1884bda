// Package cli is the staff command line ("starter"): BMP staff start
// rollouts, record what happened, and read where rollouts stand, all
// through the rollouts' typed client (internal/rollout). The staff actions'
// commands are drawn from their declarations (internal/plan). Output is
// Dutch; --lang en (or AMWAHT_LANG=en) gives English.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/municipality"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
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
	ctx     context.Context
	out     io.Writer
	errOut  io.Writer
	c       client.Client
	langArg string
	lang    plan.Lang
	actor   plan.Actor
}

// t writes a message in the chosen language.
func (e *env) t(nl, en string, args ...any) string { return plan.F(nl, en, args...).In(e.lang) }

func (e *env) client() (client.Client, error) {
	if e.c != nil {
		return e.c, nil
	}
	c, err := dialTemporal(e.ctx, identity(e.actor))
	if err != nil {
		return nil, withCode(ExitUnreachable, err)
	}
	e.c = c
	return c, nil
}

// rollouts is the typed client, acting as the CLI's user, decoding what it
// reads from histories with the data converter the client was dialed with.
func (e *env) rollouts() (*rollout.Client, error) {
	c, err := e.client()
	if err != nil {
		return nil, err
	}
	dc, err := app.DataConverter()
	if err != nil {
		return nil, err
	}
	return &rollout.Client{T: c, Actor: e.actor, Converter: dc}, nil
}

// dialTemporal connects to Temporal; a variable so that the fuzz test of the
// argument handling runs without a server.
var dialTemporal = func(ctx context.Context, identity string) (client.Client, error) {
	return app.DialTemporalAs(ctx, identity, nil)
}

// cliActor is who the CLI's actions record: AMWAHT_ACTOR, else the
// operating-system user.
func cliActor() plan.Actor {
	name := strings.TrimSpace(os.Getenv("AMWAHT_ACTOR"))
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "onbekend"
	}
	return plan.Actor{Via: plan.ViaCLI, Name: name}
}

// identity names the actor in Temporal's records of every request.
func identity(a plan.Actor) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("starter:%s@%s", a.Name, host)
}

func (e *env) close() {
	if e.c != nil {
		e.c.Close()
	}
}

// Run executes the CLI with args and returns the process's exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, out: stdout, errOut: stderr, lang: plan.NL, actor: cliActor()}
	defer e.close()
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, e.t("fout:", "error:"), err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, app.ErrUnreachable) {
		return ExitUnreachable
	}
	if isUsage(err) {
		fmt.Fprintln(stderr, e.t("Gebruik --help voor uitleg.", "Run with --help for usage."))
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
TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE (defaults localhost:7233, default),
and AMWAHT_CODEC_KEYS or AMWAHT_CODEC_KEY_FILE, the keys the rollouts'
payloads are encrypted with (beside make demo, its .amwaht/codec-keys is found
by itself).
Output is in Dutch; --lang en, or AMWAHT_LANG=en, gives English. Every
action records who did it: AMWAHT_ACTOR, else the operating-system user.
Times are Dutch time (Europe/Amsterdam).

Exit codes: 0 ok, 1 error, 2 usage, 3 rejected by the rollout, 4 not found,
5 Temporal or PostgreSQL unreachable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			l, err := plan.ParseLang(e.langArg)
			if err != nil {
				return withCode(ExitUsage, fmt.Errorf("--lang: %w", err))
			}
			e.lang = l
			return nil
		},
	}
	root.PersistentFlags().StringVar(&e.langArg, "lang", os.Getenv("AMWAHT_LANG"), "language of the output: nl (default) or en")
	root.AddCommand(newStart(e), newStatus(e), newSimulate(e), newEmails(e), newPrivacy(e), newMunicipalities(e), newWaves(e))
	root.AddCommand(actionCommands(e)...)
	root.AddCommand(newList(e), newStalled(e), newTimeline(e), newStaff(e), newLinks(e))
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
