// Package demo brings the whole system up on one machine for a newcomer:
// the Temporal dev server with its Web UI, PostgreSQL, the worker, and demo
// rollouts, until Ctrl-C.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/cli"
	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/devstack"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// Municipalities the demo starts rollouts for, played by the scripted actor.
var Municipalities = []string{"GM0344", "GM0363", "GM0518", "GM0599"} // Utrecht, Amsterdam, Den Haag, Rotterdam

// Yours is the rollout no script touches: the newcomer takes it from start
// to graduation in the console. Its days last YourDay, slow enough to act by
// hand (about an hour and a half in all).
const (
	Yours   = "GM0014" // Groningen
	YourDay = "10s"
)

// StateDir keeps the demo's Temporal database and, if needed, a private
// PostgreSQL cluster, so that a second run continues where the first stopped.
const StateDir = ".amwaht"

const (
	temporalPort = 7233
	uiPort       = 8233
)

// CodecEndpoint is where the Web UI asks for payloads to be decrypted: the
// staff console's codec server at its default address, behind its sign-in.
const CodecEndpoint = "http://127.0.0.1:8088/codec"

// codecKeys makes sure the demo encrypts: with the keys the environment
// gives, else with a key of its own in .amwaht/codec-keys, made on the
// first run and kept (without it the demo's histories cannot be read).
func codecKeys(state string, errOut io.Writer) error {
	if os.Getenv(codec.EnvKeys) != "" || os.Getenv(codec.EnvKeyFile) != "" {
		return nil
	}
	file := filepath.Join(state, filepath.Base(codec.DemoKeyFile))
	created, err := codec.EnsureKeyFile(file, "demo", time.Now())
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(errOut, "created a payload encryption key for the demo in", filepath.Join(StateDir, filepath.Base(codec.DemoKeyFile)))
	}
	return os.Setenv(codec.EnvKeyFile, file)
}

// Run sets everything up and blocks until ctx ends.
func Run(ctx context.Context, out, errOut io.Writer) error {
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := os.MkdirAll(StateDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", StateDir, err)
	}
	state, _ := filepath.Abs(StateDir)

	bin, err := devstack.TemporalCLI(ctx, errOut)
	if err != nil {
		return err
	}
	if err := codecKeys(state, errOut); err != nil {
		return err
	}

	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		pg, err := devstack.FindPostgres(ctx, filepath.Join(state, "pgdata"), errOut)
		if err != nil {
			return err
		}
		defer pg.Stop()
		if dbURL, err = pg.EnsureDatabase(ctx, "amwaht"); err != nil {
			return err
		}
		os.Setenv("DATABASE_URL", dbURL)
	}

	for _, p := range []int{temporalPort, uiPort, consolePort} {
		if inUse(p) {
			return fmt.Errorf("port %d is already in use: is another Temporal server (or an earlier demo) running? Stop it, then run make demo again", p)
		}
	}
	fmt.Fprintln(errOut, "starting the Temporal dev server (state in", filepath.Join(StateDir, "temporal.db")+")")
	srv, err := devstack.StartTemporal(ctx, bin, devstack.TemporalOptions{
		Port: temporalPort, UIPort: uiPort,
		DBFile:           filepath.Join(state, "temporal.db"),
		SearchAttributes: rollout.SearchAttributeFlags(),
		UICodecEndpoint:  CodecEndpoint,
	})
	if err != nil {
		return err
	}
	defer srv.Stop()
	os.Setenv("TEMPORAL_ADDRESS", srv.Address)
	os.Setenv("TEMPORAL_NAMESPACE", srv.Namespace)

	// The demo's e-mails name and reply to an example address, never BMP's.
	if os.Getenv("AMWAHT_REPLY_TO") == "" {
		os.Setenv("AMWAHT_REPLY_TO", DemoReplyTo)
	}
	// Without SendGrid of its own, the worker sends to a stand-in in this
	// process, which keeps the e-mails: the parties' links are read from it.
	var sink *mailSink
	if os.Getenv("SENDGRID_API_KEY") == "" {
		sg := sendgridfake.New()
		defer sg.Close()
		os.Setenv("SENDGRID_API_KEY", "SG.demo")
		os.Setenv("SENDGRID_API_HOST", sg.URL)
		sink = newMailSink(sg, envOr("AMWAHT_PUBLIC_URL", app.DefaultPublicURL), out)
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return err
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan error, 1)
	go func() { workerDone <- app.RunWorker(wctx, cfg, log) }()
	defer func() {
		stopWorker()
		<-workerDone
	}()

	for _, code := range Municipalities {
		args := []string{"start", "--municipality", code, "--wave", "demo", "--contact-email", "gemeente-" + code + "@example.nl", "--contact-name", "Team WMO"}
		if rc := cli.Run(ctx, args, out, errOut); rc != 0 && rc != cli.ExitRejected {
			return fmt.Errorf("starting the demo rollout for %s failed (exit %d)", code, rc)
		}
	}

	args := []string{"start", "--municipality", Yours, "--wave", "demo", "--day-length", YourDay, "--contact-email", "gemeente-" + Yours + "@example.nl", "--contact-name", "Team WMO"}
	if rc := cli.Run(ctx, args, out, errOut); rc != 0 && rc != cli.ExitRejected {
		return fmt.Errorf("starting your demo rollout (%s) failed (exit %d)", Yours, rc)
	}

	signIn, consoleDone, err := startConsole(ctx, cfg, srv.UIURL, out, log)
	if err != nil {
		return err
	}

	// The scripted actor plays staff and producers, so every phase shows;
	// one rollout's municipality and producer act through their links.
	go func() {
		args := []string{"simulate", "--wave", "demo"}
		for _, code := range Municipalities {
			if sink == nil || code != ByLinks {
				args = append(args, "--municipality", code)
			}
		}
		cli.Run(ctx, args, out, errOut)
	}()
	if sink != nil {
		go driveByLinks(ctx, sink, out, log)
	}

	fmt.Fprintf(out, `
amwaht demo is running. A scripted actor ('starter simulate') plays staff:
Utrecht is short of funding at the start and gets a postponement, Amsterdam
gets no producer, Den Haag misses a producer course day and makes it up,
Rotterdam graduates%s. The whole lifecycle takes about nine minutes.
  Console: http://127.0.0.1:%d  (staff's web console, in Dutch)
           sign in as %s with this link (15 minutes, once;
           a new one is printed here when you ask for it on the sign-in page):
           %s
           Groningen is yours: no script touches it. Its days last %s, so a
           producer must apply within about ten minutes; record everything
           on its page (Vandaag → Groningen) and take it to graduation.
  Web UI:  %s/namespaces/default/workflows
           (filter: AmwahtWave = 'demo', or AmwahtStalled = true)
  Try, in another terminal:
           go run ./starter status GM0344 --wave demo
           go run ./starter apply GM0344 --wave demo --organisation "Welzijn Utrecht" --kind welzijnsinstelling --contact-name "Fatma Yilmaz" --contact-email f.yilmaz@example.nl
%s
  Payloads are encrypted (key: %s); the Web UI shows them decrypted
  through the console's codec server (%s) once you are signed in to
  the console and the UI's codec setting "include cross-origin credentials"
  is on. Open the UI as %s for that (not localhost).
  Ctrl-C stops everything.
`, byLinks(sink), consolePort, Staff.Email, signIn, YourDay, srv.UIURL, mailNote(sink), keySource(), CodecEndpoint, srv.UIURL)

	select {
	case <-ctx.Done():
		fmt.Fprintln(errOut, "stopping the demo")
		return nil
	case err := <-consoleDone:
		return fmt.Errorf("console stopped: %w", err)
	case err := <-workerDone:
		workerDone <- err
		if err == nil {
			err = errors.New("worker stopped")
		}
		return err
	}
}

// keySource says where the demo's keys are, for the banner.
func keySource() string {
	if k, err := codec.Load(); err == nil {
		return k.Source()
	}
	return "?"
}

func inUse(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// DemoReplyTo is the back office the demo's e-mails name.
const DemoReplyTo = "Backoffice AMWAHT (demo) <backoffice@example.org>"
