// Package devstack starts the local infrastructure amwaht needs outside
// production: a Temporal dev server (the Temporal CLI's `server start-dev`)
// and a PostgreSQL database. It is shared by the demo command and by the
// integration tests (through internal/testenv), so both run against the same,
// pinned, setup.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// TemporalCLIVersion is the Temporal CLI release that is built and cached.
// The cache is keyed on this tag (the folder name) rather than on
// `temporal --version`, because a binary built with `go install` reports
// 0.0.0-DEV.
const TemporalCLIVersion = "v1.5.1"

const temporalCLIPackage = "github.com/temporalio/cli/cmd/temporal"

// CacheDir returns $AMWAHT_CACHE, else $XDG_CACHE_HOME/amwaht, else
// $HOME/.cache/amwaht. It does not create the directory.
func CacheDir() (string, error) {
	if dir := os.Getenv("AMWAHT_CACHE"); dir != "" {
		return filepath.Abs(dir)
	}
	if xdg := os.Getenv("XDG_CACHE_HOME"); xdg != "" {
		return filepath.Abs(filepath.Join(xdg, "amwaht"))
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locating the amwaht cache: set AMWAHT_CACHE or HOME: %w", err)
	}
	return filepath.Join(home, ".cache", "amwaht"), nil
}

// TemporalCLI returns the path of the cached Temporal CLI binary,
// <cache>/temporal-<TemporalCLIVersion>/temporal, building it with
// `go install` when it is missing. Concurrent callers (parallel test
// packages, a demo next to a test run) serialise on a file lock, so the
// build happens once and nobody sees a half-written binary. Progress goes to
// logw (nil discards it).
func TemporalCLI(ctx context.Context, logw io.Writer) (string, error) {
	if logw == nil {
		logw = io.Discard
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "temporal-"+TemporalCLIVersion)
	bin := filepath.Join(dir, "temporal")
	// Fast path without the lock: the binary only ever appears by rename, so
	// if it is there it is complete.
	if isExecutable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("creating cache directory: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(cache, "temporal-"+TemporalCLIVersion+".lock"), logw)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Whoever held the lock before us has probably just built it.
	if isExecutable(bin) {
		return bin, nil
	}
	if err := buildTemporalCLI(ctx, cache, dir, bin, logw); err != nil {
		return "", err
	}
	return bin, nil
}

func buildTemporalCLI(ctx context.Context, cache, dir, bin string, logw io.Writer) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building Temporal CLI %s needs the go command in PATH: %w", TemporalCLIVersion, err)
	}
	// Build into a private directory inside the cache (same file system) so
	// the final rename is atomic and an interrupted build leaves nothing
	// that looks usable.
	tmp, err := os.MkdirTemp(cache, ".temporal-build-")
	if err != nil {
		return fmt.Errorf("creating build directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(logw, "building Temporal CLI %s once into %s, 3 to 6 minutes\n", TemporalCLIVersion, dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goBin, "install", temporalCLIPackage+"@"+TemporalCLIVersion)
	// Run outside any module so the caller's go.mod/go.work cannot interfere
	// with `go install pkg@version`.
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp)
	cmd.Stdout, cmd.Stderr = logw, logw
	// go install runs compilers and linkers as children; cancelling must stop
	// them too, not just the go command.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("building Temporal CLI %s: %w", TemporalCLIVersion, ctx.Err())
		}
		return fmt.Errorf("building Temporal CLI %s with go install: %w", TemporalCLIVersion, err)
	}
	built := filepath.Join(tmp, "temporal")
	if !isExecutable(built) {
		return fmt.Errorf("building Temporal CLI %s: go install succeeded but %s is missing", TemporalCLIVersion, built)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.Rename(built, bin); err != nil {
		return fmt.Errorf("installing Temporal CLI into the cache: %w", err)
	}
	fmt.Fprintf(logw, "built Temporal CLI %s in %s\n", TemporalCLIVersion, time.Since(start).Round(time.Second))
	return nil
}

// lockFile takes an exclusive flock on path. It polls with LOCK_NB instead of
// blocking in flock(2) so that ctx can interrupt the wait.
func lockFile(ctx context.Context, path string, logw io.Writer) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	announced := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !announced {
			fmt.Fprintf(logw, "waiting for another process that holds %s (building the Temporal CLI)\n", path)
			announced = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	// The lock file is left in place: deleting it would let a waiter lock
	// an unlinked inode while a newcomer locks a fresh file.
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 && fi.Size() > 0
}
