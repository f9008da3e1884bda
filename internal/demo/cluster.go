package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/devstack"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/internal/sendgridfake"
)

// ClusterDir keeps what `make cluster` runs from: the server's rendered
// configuration and log, and the worker binary.
var ClusterDir = filepath.Join(StateDir, "cluster")

// clusterUIPort is the Web UI's port, as compose publishes it.
const clusterUIPort = 8080

// Workers is how many worker processes `make cluster` starts, each with its
// own metrics port from 9464 on.
const Workers = 2

// Cluster runs the topology docker-compose.yml describes, without Docker:
// Temporal's own server on PostgreSQL (databases temporal and
// temporal_visibility, migrated with temporal-sql-tool as compose's
// admin-tools step does; namespace and search attributes as its setup step
// does), two worker processes and the staff console, until ctx ends.
func Cluster(ctx context.Context, out, errOut io.Writer) error {
	state, err := filepath.Abs(StateDir)
	if err != nil {
		return err
	}
	dir := filepath.Join(state, "cluster")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", ClusterDir, err)
	}
	for _, p := range []int{temporalPort, clusterUIPort, consolePort} {
		if inUse(p) {
			return fmt.Errorf("port %d is already in use: is a demo, a cluster or another Temporal server running? Stop it, then run make cluster again", p)
		}
	}
	if err := codecKeys(state, errOut); err != nil {
		return err
	}
	pg, err := devstack.FindPostgres(ctx, filepath.Join(state, "pgdata"), errOut)
	if err != nil {
		return err
	}
	defer pg.Stop()
	dbURL, err := pg.EnsureDatabase(ctx, "amwaht")
	if err != nil {
		return err
	}

	logFile, err := os.OpenFile(filepath.Join(dir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("the server's log file: %w", err)
	}
	defer logFile.Close()
	fmt.Fprintf(errOut, "starting Temporal server %s on PostgreSQL (databases temporal, temporal_visibility; log in %s)\n",
		devstack.ServerVersion, filepath.Join(ClusterDir, "temporal.log"))
	srv, err := devstack.StartCluster(ctx, devstack.ClusterOptions{
		Postgres: pg, Port: temporalPort, Dir: dir, Output: logFile,
		SearchAttributes: rollout.SearchAttributeFlags(),
	}, errOut)
	if err != nil {
		return err
	}
	defer srv.Stop()
	os.Setenv("TEMPORAL_ADDRESS", srv.Address)
	os.Setenv("TEMPORAL_NAMESPACE", srv.Namespace)
	os.Setenv("DATABASE_URL", dbURL)
	if os.Getenv("AMWAHT_REPLY_TO") == "" {
		os.Setenv("AMWAHT_REPLY_TO", DemoReplyTo)
	}
	mails := "SendGrid (SENDGRID_API_KEY)"
	if os.Getenv("SENDGRID_API_KEY") == "" {
		sg := sendgridfake.New()
		defer sg.Close()
		os.Setenv("SENDGRID_API_KEY", "SG.cluster")
		os.Setenv("SENDGRID_API_HOST", sg.URL)
		mails = "a SendGrid stand-in in this process (the console's rollout pages show every e-mail)"
	}

	ui, err := devstack.StartUI(ctx, devstack.UIOptions{Frontend: srv.Frontend, Port: clusterUIPort, CodecEndpoint: CodecEndpoint, Dir: dir, Output: logFile}, errOut)
	if err != nil {
		return err
	}
	defer ui.Stop()

	workers, err := startWorkers(ctx, dir, errOut)
	defer func() {
		for _, w := range workers {
			_ = w.Process.Signal(syscall.SIGTERM)
			_ = w.Wait()
		}
	}()
	if err != nil {
		return err
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return err
	}
	signIn, consoleDone, err := startConsole(ctx, cfg, ui.URL, out, slog.New(slog.NewTextHandler(errOut, nil)))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `
amwaht runs on the production topology: Temporal server %s on PostgreSQL,
%d workers, the staff console.
  Console:  http://127.0.0.1:%d  (sign in as %s, once, within 15 minutes):
            %s
  Web UI:   %s/namespaces/default/workflows  (read-only; payloads decrypted
            through the console's codec server once you are signed in there)
  Temporal: %s, namespace %s (SQL visibility on PostgreSQL)
  Workers:  metrics on http://127.0.0.1:%d/metrics and the next port
  E-mail:   %s
  Try, in another terminal:
            AMWAHT_UI_URL=%s go run ./starter start --municipality GM0344 --wave demo --contact-email zorg@example.nl
  Ctrl-C stops everything; the data stay in PostgreSQL for the next run.
`, devstack.ServerVersion, len(workers), consolePort, Staff.Email, signIn, ui.URL, srv.Address, srv.Namespace, 9464, mails, ui.URL)

	exited := make(chan error, len(workers))
	for _, w := range workers {
		go func() { exited <- w.Wait() }()
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(errOut, "stopping the cluster")
		return nil
	case err := <-consoleDone:
		return fmt.Errorf("console stopped: %w", err)
	case err := <-exited:
		return fmt.Errorf("a worker stopped: %v (see its output above)", err)
	}
}

// startWorkers builds the worker once into dir and starts Workers processes
// of it with this process's environment. The ones started are returned even
// on error, for the caller to stop.
func startWorkers(ctx context.Context, dir string, errOut io.Writer) ([]*exec.Cmd, error) {
	bin := filepath.Join(dir, "worker")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/stichtingbmp/amwaht/worker")
	build.Stdout, build.Stderr = errOut, errOut
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the worker: %w", err)
	}
	var ws []*exec.Cmd
	for i := range Workers {
		w := exec.Command(bin)
		w.Env = append(os.Environ(), fmt.Sprintf("AMWAHT_METRICS_ADDR=127.0.0.1:%d", 9464+i))
		w.Stdout, w.Stderr = errOut, errOut
		// Stopped with us, even when we are killed.
		w.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		if err := w.Start(); err != nil {
			return ws, fmt.Errorf("starting worker %d: %w", i+1, err)
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return nil, errors.New("no workers")
	}
	return ws, nil
}
