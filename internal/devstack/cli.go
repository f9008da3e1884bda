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
	"path"
	"path/filepath"
	"strings"
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
// `go install` when it is missing (see Install).
func TemporalCLI(ctx context.Context, logw io.Writer) (string, error) {
	dir, err := Install(ctx, logw, "temporal-"+TemporalCLIVersion, "3 to 6 minutes", temporalCLIPackage+"@"+TemporalCLIVersion)
	if err != nil {
		return "", fmt.Errorf("Temporal CLI %s: %w", TemporalCLIVersion, err)
	}
	return filepath.Join(dir, "temporal"), nil
}

// Install returns <cache>/<name>, a folder holding the binaries of pkgs
// (each "module/path/cmd/x@version"), building them with `go install` when
// one is missing. Concurrent callers (parallel test packages, a demo next to
// a test run) serialise on a file lock, so the build happens once and nobody
// sees a half-written binary. took says how long a first build takes, for
// the progress line. Progress goes to logw (nil discards it).
func Install(ctx context.Context, logw io.Writer, name, took string, pkgs ...string) (string, error) {
	if logw == nil {
		logw = io.Discard
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, name)
	// Fast path without the lock: binaries only ever appear by rename, so
	// if they are there they are complete.
	if installed(dir, pkgs) {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("creating cache directory: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(cache, name+".lock"), logw)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Whoever held the lock before us has probably just built them.
	if installed(dir, pkgs) {
		return dir, nil
	}
	if err := goInstall(ctx, cache, dir, took, pkgs, logw); err != nil {
		return "", err
	}
	return dir, nil
}

// binaryName is the file go install writes for "module/cmd/x@version": x.
func binaryName(pkg string) string {
	pkg, _, _ = strings.Cut(pkg, "@")
	return path.Base(pkg)
}

func installed(dir string, pkgs []string) bool {
	for _, p := range pkgs {
		if !isExecutable(filepath.Join(dir, binaryName(p))) {
			return false
		}
	}
	return true
}

func goInstall(ctx context.Context, cache, dir, took string, pkgs []string, logw io.Writer) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building %s needs the go command in PATH: %w", strings.Join(pkgs, " "), err)
	}
	// Build into a private directory inside the cache (same file system) so
	// the final rename is atomic and an interrupted build leaves nothing
	// that looks usable.
	tmp, err := os.MkdirTemp(cache, ".build-")
	if err != nil {
		return fmt.Errorf("creating build directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(logw, "building %s once into %s, %s\n", strings.Join(pkgs, " "), dir, took)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goBin, append([]string{"install"}, pkgs...)...)
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
			return fmt.Errorf("building: %w", ctx.Err())
		}
		return fmt.Errorf("building with go install: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, p := range pkgs {
		built := filepath.Join(tmp, binaryName(p))
		if !isExecutable(built) {
			return fmt.Errorf("go install succeeded but %s is missing", built)
		}
		if err := os.Rename(built, filepath.Join(dir, binaryName(p))); err != nil {
			return fmt.Errorf("installing %s into the cache: %w", binaryName(p), err)
		}
	}
	fmt.Fprintf(logw, "built %s in %s\n", strings.Join(pkgs, " "), time.Since(start).Round(time.Second))
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
			fmt.Fprintf(logw, "waiting for another process that holds %s (a build into the cache)\n", path)
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
