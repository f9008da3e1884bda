package testenv

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

var (
	workerBuild    sync.Once
	workerBin      string
	workerBuildErr error
	workerOutput   []byte
)

// WorkerBinary builds the worker command once per test binary (into a folder
// removed with the process's temp files) and returns its path.
func WorkerBinary(t testing.TB) string {
	t.Helper()
	workerBuild.Do(func() {
		dir, err := os.MkdirTemp("", "amwaht-worker-")
		if err != nil {
			workerBuildErr = err
			return
		}
		workerBin = filepath.Join(dir, "worker")
		workerOutput, workerBuildErr = exec.Command("go", "build", "-o", workerBin, "github.com/stichtingbmp/amwaht/worker").CombinedOutput()
	})
	if workerBuildErr != nil {
		t.Fatalf("building the worker: %v\n%s", workerBuildErr, workerOutput)
	}
	return workerBin
}

// Process is a worker running as its own process, as in production, so a
// test can kill it with SIGKILL.
type Process struct {
	t   testing.TB
	env []string
	mu  sync.Mutex
	cmd *exec.Cmd
}

// StartProcess starts a worker process on the package's server with env on
// top of the test's own environment (DATABASE_URL, SENDGRID_* …), and kills
// it when the test ends.
func (e *Env) StartProcess(t testing.TB, env map[string]string) *Process {
	t.Helper()
	p := &Process{t: t, env: append(os.Environ(),
		"TEMPORAL_ADDRESS="+e.Temporal.Address, "TEMPORAL_NAMESPACE="+e.Temporal.Namespace,
		"AMWAHT_METRICS_ADDR=off")}
	for k, v := range env {
		p.env = append(p.env, k+"="+v)
	}
	p.Start()
	t.Cleanup(p.Kill)
	return p
}

// Start starts the process again after Kill.
func (p *Process) Start() {
	p.t.Helper()
	cmd := exec.Command(WorkerBinary(p.t))
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	// Dies with the test binary, even when a timeout kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("starting a worker process: %v", err)
	}
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
}

// Kill ends the process with SIGKILL, as a crash would, and reaps it.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
}
