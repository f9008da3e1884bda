package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

const (
	temporalStartTimeout = 60 * time.Second
	temporalStopTimeout  = 10 * time.Second
)

// TemporalOptions configures StartTemporal. The zero value is a headful,
// in-memory server on free ports with the "default" namespace.
type TemporalOptions struct {
	IP       string // default 127.0.0.1
	Port     int    // frontend gRPC port; 0 picks a free port
	UIPort   int    // 0 picks a free port; ignored when Headless
	Headless bool   // no Web UI
	// DBFile is "" for an in-memory server; otherwise a SQLite file, so
	// state survives restarts.
	DBFile    string
	Namespace string // default "default"
	// SearchAttributes are "Name=Type" (Type one of Text, Keyword, Int,
	// Double, Bool, Datetime, KeywordList); they are registered before the
	// frontend starts answering.
	SearchAttributes []string
	// UICodecEndpoint points the Web UI at a remote codec server (Temporal's
	// /encode and /decode protocol), which shows encrypted payloads
	// decrypted; "" for none.
	UICodecEndpoint string
	Output          io.Writer // the server's stdout and stderr; nil discards
}

// Frontend is where a Temporal server answers: what a client needs.
type Frontend struct {
	Address   string // host:port of the frontend gRPC service
	Namespace string
}

// TemporalServer is a running `temporal server start-dev` process.
type TemporalServer struct {
	Frontend
	UIURL string // "" when headless

	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has been reaped
	waitErr error         // valid once done is closed
	output  *tailBuffer

	stopOnce sync.Once
	stopErr  error
}

// StartTemporal starts the dev server from the CLI binary bin and returns
// once its frontend passes a health check and serves the namespace. ctx
// bounds only the start-up wait; the server runs until Stop. If the process
// exits early or does not answer within a minute, the error carries the tail
// of its output.
func StartTemporal(ctx context.Context, bin string, opts TemporalOptions) (*TemporalServer, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if !opts.Headless && opts.UIPort == 0 {
		if opts.UIPort, err = FreePort(); err != nil {
			return nil, err
		}
	}

	args := startDevArgs(opts)

	hostPort := net.JoinHostPort(opts.IP, strconv.Itoa(opts.Port))
	s := &TemporalServer{
		Frontend: Frontend{Address: hostPort, Namespace: opts.Namespace},
		done:     make(chan struct{}),
		output:   &tailBuffer{max: 64 << 10},
	}
	if !opts.Headless {
		s.UIURL = "http://" + net.JoinHostPort(opts.IP, strconv.Itoa(opts.UIPort))
	}

	var out io.Writer = s.output
	if opts.Output != nil {
		out = io.MultiWriter(s.output, opts.Output)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = serverSysProcAttr()
	// The server is one process, but if anything it spawned kept the output
	// pipe open, Wait would hang forever without this.
	cmd.WaitDelay = 2 * time.Second
	s.cmd = cmd

	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()

	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// startDevArgs are `temporal server start-dev`'s arguments for opts, with
// defaults and ports already filled in.
func startDevArgs(opts TemporalOptions) []string {
	args := []string{"server", "start-dev", "--ip", opts.IP, "--port", strconv.Itoa(opts.Port)}
	if opts.Headless {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(opts.UIPort))
		if opts.UICodecEndpoint != "" {
			args = append(args, "--ui-codec-endpoint", opts.UICodecEndpoint)
		}
	}
	if opts.DBFile != "" {
		args = append(args, "--db-filename", opts.DBFile)
	}
	// start-dev always creates "default" and treats --namespace as extra
	// namespaces; naming "default" again would register it twice.
	if opts.Namespace != "default" {
		args = append(args, "--namespace", opts.Namespace)
	}
	for _, sa := range opts.SearchAttributes {
		args = append(args, "--search-attribute", sa)
	}
	return args
}

func (s *TemporalServer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, temporalStartTimeout)
	defer cancel()
	var lastErr error
	for {
		if lastErr = probeTemporal(ctx, s.Address, s.Namespace); lastErr == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("temporal dev server exited before it was ready (%v); last output:\n%s",
				s.waitErr, s.output.lastLines(30))
		case <-ctx.Done():
			return fmt.Errorf("temporal dev server at %s not ready: %w (last probe error: %v); last output:\n%s",
				s.Address, ctx.Err(), lastErr, s.output.lastLines(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// probeTemporal checks what a caller actually needs: gRPC health and the
// namespace being served (a custom namespace is useless if it is missing).
func probeTemporal(ctx context.Context, hostPort, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  hostPort,
		Namespace: namespace,
		Logger:    QuietLogger(),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	return err
}

// QuietLogger is a Temporal SDK logger that keeps warnings and errors (on
// stderr) and drops the per-connection info chatter.
func QuietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// PID is the server process's ID, for reading its CPU and memory use.
func (s *TemporalServer) PID() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM to the server's process group, waits up to 10s and
// then sends SIGKILL. It is safe to call more than once and on nil.
func (s *TemporalServer) Stop() error {
	if s == nil || s.cmd == nil {
		return nil
	}
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *TemporalServer) stop() error {
	select {
	case <-s.done:
		if s.waitErr != nil {
			return fmt.Errorf("temporal dev server had already exited: %w", s.waitErr)
		}
		return nil
	default:
	}
	pgid := s.cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping temporal dev server (pid %d): %w", pgid, err)
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(temporalStopTimeout):
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing temporal dev server (pid %d): %w", pgid, err)
	}
	<-s.done
	return fmt.Errorf("temporal dev server (pid %d) ignored SIGTERM for %s and was killed", pgid, temporalStopTimeout)
}

// FreePort returns a TCP port on 127.0.0.1 that is free right now. Like the
// Temporal CLI, it parks the port in TIME_WAIT on Linux so the kernel does not
// hand it out again as an ephemeral port before the caller binds it (servers
// that set SO_REUSEADDR, as Go and PostgreSQL do, can still bind it).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if runtime.GOOS == "linux" {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		defer c.Close()
		sc, err := l.Accept()
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		// Closing the accepted side first is what puts the port, not the
		// client's ephemeral one, into TIME_WAIT.
		sc.Close()
	}
	return port, nil
}

// tailBuffer keeps the last max bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) lastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	s := strings.Join(lines, "\n")
	if s == "" {
		return "(no output)"
	}
	return s
}
