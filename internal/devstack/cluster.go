package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ServerVersion is the release of Temporal's server (temporalio/server and
// temporal-sql-tool) that docker-compose.yml pins and StartCluster runs; a
// test keeps the two equal.
const ServerVersion = "1.29.7"

const serverModule = "go.temporal.io/server"

// ClusterOptions configures StartCluster. The zero value needs Postgres.
type ClusterOptions struct {
	// Postgres holds Temporal's two databases (created when missing).
	Postgres *Postgres
	// DBName and VisibilityDBName default to compose's: temporal and
	// temporal_visibility.
	DBName, VisibilityDBName string
	Namespace                string        // default "default"
	Retention                time.Duration // default 90 days, as compose
	// Port is the frontend's gRPC port; 0 picks a free one. The other
	// services' ports are always free ones.
	Port int
	// SearchAttributes are "Name=Type", registered on the namespace.
	SearchAttributes []string
	// Dir receives the rendered configuration; "" makes a temporary one,
	// removed by Stop.
	Dir    string
	Output io.Writer // the server's log; nil discards it
}

// Cluster is Temporal's own server (all four services in one process, as the
// temporalio/server image runs them) on PostgreSQL with SQL visibility: the
// production topology, without Docker.
type Cluster struct {
	Frontend

	bin, dir string
	tempDir  bool
	env      []string
	out      io.Writer

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	output  *tailBuffer
}

// ServerBinaries returns the folder with the cached `server` and `sql`
// (temporal-sql-tool) binaries of ServerVersion, and the server module's
// source (its schemas and configuration templates), building and
// downloading them the first time.
func ServerBinaries(ctx context.Context, logw io.Writer) (binDir, moduleDir string, err error) {
	v := "v" + ServerVersion
	binDir, err = Install(ctx, logw, "temporal-server-"+v, "3 to 4 minutes",
		serverModule+"/cmd/server@"+v, serverModule+"/cmd/tools/sql@"+v)
	if err != nil {
		return "", "", fmt.Errorf("Temporal server %s: %w", v, err)
	}
	moduleDir, err = moduleSource(ctx, serverModule+"@"+v)
	return binDir, moduleDir, err
}

// moduleSource is where the module cache holds mod's files (downloading them
// when the cache was cleaned since the build).
func moduleSource(ctx context.Context, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir() // outside any module
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no folder (%s%v)", mod, m.Error, err)
	}
	return m.Dir, nil
}

// StartCluster does what docker-compose.yml's Temporal services do: the
// admin-tools step (create both databases and migrate their schemas with
// temporal-sql-tool), the server with the environment compose gives the
// container, and the namespace step (namespace, retention, search
// attributes). It returns once the frontend serves the namespace.
func StartCluster(ctx context.Context, opts ClusterOptions, logw io.Writer) (*Cluster, error) {
	if logw == nil {
		logw = io.Discard
	}
	setClusterDefaults(&opts)
	binDir, modDir, err := ServerBinaries(ctx, logw)
	if err != nil {
		return nil, err
	}
	pg, err := url.Parse(opts.Postgres.AdminURL)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL address: %w", err)
	}
	if err := migrate(ctx, binDir, modDir, pg, opts); err != nil {
		return nil, err
	}
	c := &Cluster{Frontend: Frontend{Namespace: opts.Namespace}, bin: filepath.Join(binDir, "server"), dir: opts.Dir, out: opts.Output}
	if c.dir == "" {
		if c.dir, err = os.MkdirTemp("", "amwaht-temporal-"); err != nil {
			return nil, fmt.Errorf("a folder for the server's configuration: %w", err)
		}
		c.tempDir = true
	}
	if err := c.configure(modDir, pg, opts); err != nil {
		c.removeDir()
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.removeDir()
		return nil, err
	}
	if err := c.register(ctx, opts); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func setClusterDefaults(o *ClusterOptions) {
	if o.DBName == "" {
		o.DBName = "temporal"
	}
	if o.VisibilityDBName == "" {
		o.VisibilityDBName = "temporal_visibility"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Retention == 0 {
		o.Retention = 90 * 24 * time.Hour
	}
}

// migrate is compose's temporal-admin-tools step: idempotent, so a second
// start on the same databases applies only what is missing.
func migrate(ctx context.Context, binDir, modDir string, pg *url.URL, o ClusterOptions) error {
	pw, _ := pg.User.Password()
	schema := filepath.Join(modDir, "schema", "postgresql", "v12")
	for _, db := range []struct{ name, versioned string }{
		{o.DBName, filepath.Join(schema, "temporal", "versioned")},
		{o.VisibilityDBName, filepath.Join(schema, "visibility", "versioned")},
	} {
		for _, args := range [][]string{
			{"create-database"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", db.versioned},
		} {
			full := append([]string{"--plugin", "postgres12", "--ep", pg.Hostname(), "-p", portOf(pg), "-u", pg.User.Username(), "--db", db.name}, args...)
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, "sql"), full...)
			// The password through the environment, as compose passes it: argv is visible to ps.
			cmd.Env = append(os.Environ(), "SQL_PASSWORD="+pw)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("temporal-sql-tool --db %s %s: %w\n%s", db.name, args[0], err, lastLines(string(out), 15))
			}
		}
	}
	return nil
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "5432"
}

// configure copies the module's config/docker.yaml (the template the image
// renders) and its dynamic configuration, and sets the environment compose
// gives the container, with free ports for every service.
func (c *Cluster) configure(modDir string, pg *url.URL, o ClusterOptions) error {
	cfg := filepath.Join(c.dir, "config")
	if err := os.MkdirAll(filepath.Join(cfg, "dynamicconfig"), 0o755); err != nil {
		return fmt.Errorf("server configuration folder: %w", err)
	}
	for _, f := range []string{"docker.yaml", filepath.Join("dynamicconfig", "docker.yaml")} {
		b, err := os.ReadFile(filepath.Join(modDir, "config", f))
		if err != nil {
			return fmt.Errorf("the server's configuration template: %w", err)
		}
		if err := os.WriteFile(filepath.Join(cfg, f), b, 0o644); err != nil {
			return fmt.Errorf("writing the server's configuration: %w", err)
		}
	}
	pw, _ := pg.User.Password()
	port := o.Port
	env := map[string]string{
		// As docker-compose.yml's temporal service:
		"DB": "postgres12", "DB_PORT": portOf(pg), "POSTGRES_SEEDS": pg.Hostname(),
		"POSTGRES_USER": pg.User.Username(), "POSTGRES_PWD": pw, "NUM_HISTORY_SHARDS": "4",
		// Beside it here: the databases' names, the visibility store's port
		// (the template reads POSTGRES_PORT there, not DB_PORT), loopback
		// only, and free ports on a shared machine.
		"DBNAME": o.DBName, "VISIBILITY_DBNAME": o.VisibilityDBName, "VISIBILITY_DB_PORT": portOf(pg),
		"BIND_ON_IP": "127.0.0.1", "DYNAMIC_CONFIG_FILE_PATH": filepath.Join(cfg, "dynamicconfig", "docker.yaml"),
		"LOG_LEVEL": "warn",
	}
	for _, k := range []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT",
		"HISTORY_GRPC_PORT", "HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT",
		"WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT"} {
		p := port
		if k != "FRONTEND_GRPC_PORT" || p == 0 {
			var err error
			if p, err = lowFreePort(); err != nil {
				return err
			}
		}
		if k == "FRONTEND_GRPC_PORT" {
			port = p
		}
		env[k] = strconv.Itoa(p)
	}
	c.Address = "127.0.0.1:" + strconv.Itoa(port)
	c.env = os.Environ()
	for k, v := range env {
		c.env = append(c.env, k+"="+v)
	}
	return nil
}

// start launches the server and waits until its frontend is healthy (the
// namespace may not exist yet).
func (c *Cluster) start(ctx context.Context) error {
	cmd := exec.Command(c.bin, "--root", c.dir, "--config", "config", "--env", "docker", "--allow-no-auth", "start")
	cmd.Env = c.env
	cmd.Dir = c.dir
	out := &tailBuffer{max: 64 << 10}
	if c.out != nil {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(out, c.out), io.MultiWriter(out, c.out)
	} else {
		cmd.Stdout, cmd.Stderr = out, out
	}
	cmd.SysProcAttr = serverSysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the Temporal server: %w", err)
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.done, c.output = cmd, done, out
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(done)
	}()
	ctx, cancel := context.WithTimeout(ctx, temporalStartTimeout)
	defer cancel()
	for {
		err := probeHealth(ctx, c.Address)
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the Temporal server exited before it was ready (%v); last output:\n%s", c.waitErr, out.lastLines(30))
		case <-ctx.Done():
			_ = c.Kill()
			return fmt.Errorf("the Temporal server at %s is not ready: %w (last probe: %v); last output:\n%s", c.Address, ctx.Err(), err, out.lastLines(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func probeHealth(ctx context.Context, hostPort string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Logger: QuietLogger()})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// register is compose's temporal-create-namespace step.
func (c *Cluster) register(ctx context.Context, o ClusterOptions) error {
	nc, err := client.NewNamespaceClient(client.Options{HostPort: c.Address, Logger: QuietLogger()})
	if err != nil {
		return fmt.Errorf("dialing the Temporal server: %w", err)
	}
	defer nc.Close()
	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: o.Namespace, WorkflowExecutionRetentionPeriod: durationpb.New(o.Retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("registering namespace %s: %w", o.Namespace, err)
	}
	if err := c.addSearchAttributes(ctx, o); err != nil {
		return err
	}
	// A namespace registered a moment ago reaches the frontend's cache a
	// little later; the caller's first start would fail before that.
	return c.waitNamespace(ctx)
}

func (c *Cluster) addSearchAttributes(ctx context.Context, o ClusterOptions) error {
	if len(o.SearchAttributes) == 0 {
		return nil
	}
	want := map[string]enums.IndexedValueType{}
	for _, sa := range o.SearchAttributes {
		name, typ, _ := strings.Cut(sa, "=")
		t, err := enums.IndexedValueTypeFromString(typ)
		if err != nil {
			return fmt.Errorf("search attribute %s: %w", sa, err)
		}
		want[name] = t
	}
	cl, err := client.DialContext(ctx, client.Options{HostPort: c.Address, Logger: QuietLogger()})
	if err != nil {
		return fmt.Errorf("dialing the Temporal server: %w", err)
	}
	defer cl.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = cl.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: o.Namespace, SearchAttributes: want,
		})
		var exists *serviceerror.AlreadyExists
		if err == nil || errors.As(err, &exists) {
			return nil
		}
		// The namespace may not be visible to the operator service yet.
		if time.Now().After(deadline) {
			return fmt.Errorf("registering search attributes on %s: %w", o.Namespace, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (c *Cluster) waitNamespace(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, temporalStartTimeout)
	defer cancel()
	for {
		err := probeTemporal(ctx, c.Address, c.Namespace)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s not served at %s: %w (last probe: %v)", c.Namespace, c.Address, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// PID is the server process's ID, for reading its CPU and memory use.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmd.Process.Pid
}

// Kill ends the server with SIGKILL, as a crash or the OOM killer would:
// no shutdown, whatever was in flight is lost to it.
func (c *Cluster) Kill() error {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing the Temporal server (pid %d): %w", cmd.Process.Pid, err)
	}
	<-done
	return nil
}

// Restart starts the server again on the same databases and ports after
// Kill (Stop removes a temporary configuration folder, so a stopped
// cluster is started anew with StartCluster), and waits until it serves
// the namespace.
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.start(ctx); err != nil {
		return err
	}
	return c.waitNamespace(ctx)
}

// Stop sends SIGTERM, waits up to 10 s, then SIGKILL; and removes a
// temporary configuration folder. Safe to call twice and on nil.
func (c *Cluster) Stop() error {
	if c == nil {
		return nil
	}
	defer c.removeDir()
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(temporalStopTimeout):
	}
	_ = c.Kill()
	return fmt.Errorf("the Temporal server (pid %d) ignored SIGTERM for %s and was killed", cmd.Process.Pid, temporalStopTimeout)
}

func (c *Cluster) removeDir() {
	if c.tempDir {
		_ = os.RemoveAll(c.dir)
	}
}

// LastOutput is the end of the server's log, for a failure message.
func (c *Cluster) LastOutput(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.output.lastLines(n)
}

// lowFreePort is a free port below 32768: the server keeps membership ports
// in a smallint column, and the kernel's own free ports (FreePort) lie above.
func lowFreePort() (int, error) {
	for range 200 {
		p := 10000 + rand.IntN(22000)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			l.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free port between 10000 and 32000")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
