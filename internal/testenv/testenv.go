// Package testenv gives a test package's integration tests one Temporal dev
// server and one PostgreSQL, set up once in TestMain:
//
//	func TestMain(m *testing.M) {
//		os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: []string{"Foo=Keyword"}}))
//	}
//
//	func TestSomething(t *testing.T) {
//		env := testenv.Require(t)
//		dbURL := env.NewDatabase(t)
//		c := env.Client(t)
//		...
//	}
//
// With `go test -short` nothing is started and Require skips the test, so
// unit tests in the same package still run without the infrastructure.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/devstack"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

const skipMessage = "integration test: needs the Temporal dev server and PostgreSQL; run without -short"

// setupTimeout covers a first-time build of the Temporal CLI (3 to 6
// minutes) plus starting everything.
const setupTimeout = 15 * time.Minute

// Options configures Main.
type Options struct {
	// SearchAttributes are registered on the server, as "Name=Type".
	SearchAttributes []string
	// Cluster runs Temporal's own server on PostgreSQL (the production
	// topology, see devstack.StartCluster) instead of the dev server.
	Cluster bool
}

// Env is the infrastructure shared by one test package.
type Env struct {
	Temporal *devstack.Frontend // where the server answers
	Postgres *devstack.Postgres
	CLIPath  string // the Temporal CLI binary, for tests that drive it ("" with Options.Cluster)
	// Cluster is the real server with Options.Cluster (nil otherwise), for
	// tests that kill and restart it.
	Cluster *devstack.Cluster
}

var (
	current    *Env
	mainCalled bool
)

// Main sets up the package's Env, runs the tests and tears the Env down,
// returning the exit code for os.Exit. A setup failure fails the whole
// package (exit code 1) instead of skipping: a silently skipped integration
// suite looks green in CI.
func Main(m *testing.M, opts Options) int {
	// testing.Short reads a flag, and TestMain runs before m.Run parses them.
	flag.Parse()
	mainCalled = true
	// Every process of the test (the worker in process or as a child, the
	// CLI, the clients below) encrypts with the published test key, which
	// the recorded histories in workflows/testdata are encrypted with too.
	for _, k := range []string{codec.EnvKeyFile, codec.EnvEncryptWith} {
		os.Unsetenv(k)
	}
	os.Setenv(codec.EnvKeys, codec.TestKeys)
	if testing.Short() {
		return m.Run()
	}

	env, cleanup, err := setup(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n(use go test -short to run only the unit tests)\n", err)
		return 1
	}
	// Interrupting `go test` must not leave a private PostgreSQL cluster
	// behind; the dev server would die with us anyway on Linux (Pdeathsig).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		fmt.Fprintf(os.Stderr, "testenv: %v: stopping the test infrastructure\n", sig)
		cleanup()
		os.Exit(1)
	}()

	current = env
	code := m.Run()
	current = nil
	signal.Stop(sigs)
	cleanup()
	return code
}

// setup returns a cleanup that is safe to call twice and concurrently (the
// signal handler may race the normal teardown).
func setup(opts Options) (_ *Env, _ func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	var (
		undo []func()
		once sync.Once
	)
	cleanup := func() {
		once.Do(func() {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		})
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()

	// Only used when no shared server answers. Under the system temp dir,
	// whose sticky 1777 mode lets the unprivileged PostgreSQL user reach it
	// when tests run as root.
	dataDir, err := os.MkdirTemp("", "amwaht-testenv-pg-")
	if err != nil {
		return nil, nil, fmt.Errorf("creating a PostgreSQL data directory: %w", err)
	}
	undo = append(undo, func() { _ = os.RemoveAll(dataDir) })
	pg, err := devstack.FindPostgres(ctx, dataDir, quietUnlessPrivate{})
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() {
		if err := pg.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		}
	})
	env := &Env{Postgres: pg}
	if opts.Cluster {
		stop, err := env.startCluster(ctx, opts)
		undo = append(undo, stop...)
		return env, cleanup, err
	}
	bin, err := devstack.TemporalCLI(ctx, os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	srv, err := devstack.StartTemporal(ctx, bin, devstack.TemporalOptions{
		Headless:         true,
		SearchAttributes: opts.SearchAttributes,
	})
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		}
	})
	env.Temporal, env.CLIPath = &srv.Frontend, bin
	return env, cleanup, nil
}

// startCluster starts Temporal's own server on two fresh databases, which
// the returned undo steps drop after stopping it.
func (e *Env) startCluster(ctx context.Context, opts Options) (undo []func(), err error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	name := "amwaht_temporal_" + hex.EncodeToString(b)
	undo = append(undo, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, db := range []string{name, name + "_visibility"} {
			if err := e.Postgres.DropDatabase(ctx, db); err != nil {
				fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
			}
		}
	})
	c, err := devstack.StartCluster(ctx, devstack.ClusterOptions{
		Postgres: e.Postgres, DBName: name, VisibilityDBName: name + "_visibility",
		SearchAttributes: opts.SearchAttributes,
	}, os.Stderr)
	if err != nil {
		return undo, err
	}
	undo = append(undo, func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		}
	})
	e.Temporal, e.Cluster = &c.Frontend, c
	return undo, nil
}

// quietUnlessPrivate drops FindPostgres's progress messages: every test
// package would print "using PostgreSQL at …" otherwise. Falling back to a
// private cluster is worth a line, since it is slower and unexpected on a
// machine that has PostgreSQL running.
type quietUnlessPrivate struct{}

func (quietUnlessPrivate) Write(p []byte) (int, error) {
	if !strings.HasPrefix(string(p), "using PostgreSQL") {
		fmt.Fprintf(os.Stderr, "testenv: %s", p)
	}
	return len(p), nil
}

// Current returns the package's Env, or nil under -short or before Main.
// (It cannot be called Env: that is the type's name.)
func Current() *Env { return current }

// Require returns the package's Env, skipping the test under -short. It
// fails the test if the package's TestMain does not call Main.
func Require(t testing.TB) *Env {
	t.Helper()
	if current != nil {
		return current
	}
	if mainCalled && testing.Short() {
		t.Skip(skipMessage)
	}
	t.Fatal("testenv.Require: this package's TestMain must call testenv.Main (see the package doc)")
	return nil
}

// NewDatabase creates a fresh database named amwaht_test_<random hex>, drops
// it when the test ends and returns its URL.
func (e *Env) NewDatabase(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testenv: random database name: %v", err)
	}
	name := "amwaht_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := e.Postgres.EnsureDatabase(ctx, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Postgres.DropDatabase(ctx, name); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return url
}

// DataConverter is the one the processes of the tests use: the codec with
// the test key.
func DataConverter() converter.DataConverter { return codec.NewDataConverter(codec.TestKeyring()) }

// Rollouts is a typed client on c acting as actor, decoding with the test
// key (rollout.Client reads a rollout's input from its history itself).
func Rollouts(c client.Client, actor plan.Actor) *rollout.Client {
	return &rollout.Client{T: c, Actor: actor, Converter: DataConverter()}
}

// Client dials the package's dev server in its namespace, with the codec
// and the test key, and closes the client when the test ends.
func (e *Env) Client(t testing.TB) client.Client {
	t.Helper()
	return e.dial(t, true)
}

// RawClient dials without the codec: what it reads is what the Web UI and
// `temporal workflow show` see without the codec server.
func (e *Env) RawClient(t testing.TB) client.Client {
	t.Helper()
	return e.dial(t, false)
}

func (e *Env) dial(t testing.TB, withCodec bool) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := client.Options{
		HostPort:  e.Temporal.Address,
		Namespace: e.Temporal.Namespace,
		Logger:    devstack.QuietLogger(),
	}
	if withCodec {
		codec.Configure(&opts, codec.TestKeyring())
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		t.Fatalf("testenv: dialing Temporal at %s: %v", e.Temporal.Address, err)
	}
	t.Cleanup(c.Close)
	return c
}
