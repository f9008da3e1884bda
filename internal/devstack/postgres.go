package devstack

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"

	"github.com/stichtingbmp/amwaht/internal/dsn"
)

// DefaultPostgresURL is the server FindPostgres tries when DATABASE_URL is
// unset: a local PostgreSQL with trust authentication, as on the dev and CI
// machines.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Postgres is a reachable PostgreSQL server.
type Postgres struct {
	// AdminURL points at the maintenance database "postgres", from which
	// other databases are created and dropped.
	AdminURL string
	// Private is true when FindPostgres started the server itself.
	Private bool

	dataDir string
	pgCtl   string
	cred    *syscall.Credential // non-nil when pg_ctl must run as another user

	stopOnce sync.Once
	stopErr  error
}

// FindPostgres returns the first PostgreSQL that answers, in this order:
//  1. $DATABASE_URL (its maintenance database "postgres"; an error if it
//     does not answer, since the caller asked for that server explicitly);
//  2. DefaultPostgresURL, if it answers within 2s;
//  3. a private cluster in dataDir (created with initdb when dataDir has no
//     PG_VERSION) started with pg_ctl on a free port; skipped when dataDir is "".
//
// Call Stop when done; it only stops a private cluster. Progress goes to logw
// (nil discards it).
func FindPostgres(ctx context.Context, dataDir string, logw io.Writer) (*Postgres, error) {
	if logw == nil {
		logw = io.Discard
	}
	if raw := os.Getenv("DATABASE_URL"); raw != "" {
		admin, err := withDatabase(raw, "postgres")
		if err != nil {
			// Not echoed: a key=value DSN would show its password.
			return nil, fmt.Errorf("DATABASE_URL must be a postgres://user:password@host:port/db URL (key=value DSNs are not supported): %w", err)
		}
		// Ping the maintenance database rather than DATABASE_URL itself: the
		// database it names may well not exist yet (EnsureDatabase creates it).
		if err := pingPostgres(ctx, admin, 5*time.Second); err != nil {
			return nil, fmt.Errorf("DATABASE_URL is set but PostgreSQL at %s does not answer: %s", redact(admin), dsn.RedactIn(err.Error(), admin))
		}
		fmt.Fprintf(logw, "using PostgreSQL from DATABASE_URL (%s)\n", redact(admin))
		return &Postgres{AdminURL: admin}, nil
	}

	defaultErr := pingPostgres(ctx, DefaultPostgresURL, 2*time.Second)
	if defaultErr == nil {
		fmt.Fprintf(logw, "using PostgreSQL at %s\n", redact(DefaultPostgresURL))
		return &Postgres{AdminURL: DefaultPostgresURL}, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("looking for PostgreSQL: %w", ctx.Err())
	}

	howTo := "install PostgreSQL (e.g. `apt-get install postgresql`) or set DATABASE_URL to a server you can create databases on"
	if dataDir == "" {
		return nil, fmt.Errorf("no PostgreSQL found: DATABASE_URL is unset and %s does not answer (%v); %s",
			redact(DefaultPostgresURL), defaultErr, howTo)
	}
	binDir, err := findPostgresBin()
	if err != nil {
		return nil, fmt.Errorf("no PostgreSQL found: DATABASE_URL is unset, %s does not answer (%v), and %v; %s",
			redact(DefaultPostgresURL), defaultErr, err, howTo)
	}
	fmt.Fprintf(logw, "PostgreSQL at %s does not answer (%v); starting a private cluster\n", redact(DefaultPostgresURL), defaultErr)
	return startPrivatePostgres(ctx, binDir, dataDir, logw)
}

// findPostgresBin finds a directory with initdb and pg_ctl: PATH first (an
// explicit choice by the user), then Debian's versioned directories, highest
// major version first, since Debian keeps those off PATH.
func findPostgresBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", errors.New("initdb/pg_ctl were not found in PATH or /usr/lib/postgresql/*/bin")
}

func pgMajor(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func startPrivatePostgres(ctx context.Context, binDir, dataDir string, logw io.Writer) (*Postgres, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("private PostgreSQL data directory: %w", err)
	}
	cred, err := unprivilegedCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating PostgreSQL data directory: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dataDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("handing %s to uid %d for PostgreSQL: %w", dataDir, cred.Uid, err)
		}
	}
	// postgres refuses to start on a data directory others can read.
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restricting PostgreSQL data directory: %w", err)
	}
	p := &Postgres{Private: true, dataDir: dataDir, pgCtl: filepath.Join(binDir, "pg_ctl"), cred: cred}

	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(logw, "initialising a private PostgreSQL cluster in %s\n", dataDir)
		if out, err := p.run(ctx, filepath.Join(binDir, "initdb"),
			"-D", dataDir, "--username=postgres", "--auth=trust",
			"--encoding=UTF8", "--no-locale", "--no-sync"); err != nil {
			return nil, fmt.Errorf("initdb %s: %w%s\n%s", dataDir, err, p.permissionHint(), out)
		}
	}

	// A cluster left running by an earlier process that died without
	// stopping it holds the data directory; reuse it instead of failing.
	if port, ok := p.runningPort(ctx); ok {
		fmt.Fprintf(logw, "reusing the private PostgreSQL already running in %s on port %d\n", dataDir, port)
		return p.finish(ctx, port)
	}

	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	// pg_ctl hands -o to /bin/sh, hence the quoting. The socket goes into the
	// data directory because the default (/var/run/postgresql) may not exist
	// or be writable for this user.
	serverOpts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", port, shellQuote(dataDir))
	logFile := filepath.Join(dataDir, "postgres.log")
	if out, err := p.run(ctx, p.pgCtl, "start", "-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", serverOpts); err != nil {
		return nil, fmt.Errorf("pg_ctl start in %s: %w%s\n%s\nserver log:\n%s", dataDir, err, p.permissionHint(), out, tailFile(logFile, 20))
	}
	fmt.Fprintf(logw, "started a private PostgreSQL on 127.0.0.1:%d (data in %s)\n", port, dataDir)
	return p.finish(ctx, port)
}

func (p *Postgres) finish(ctx context.Context, port int) (*Postgres, error) {
	p.AdminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := pingPostgres(ctx, p.AdminURL, 10*time.Second); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("private PostgreSQL in %s started but does not answer at %s: %w", p.dataDir, redact(p.AdminURL), err)
	}
	return p, nil
}

// runningPort reports the port of a server already running on p.dataDir.
func (p *Postgres) runningPort(ctx context.Context) (int, bool) {
	pidFile := filepath.Join(p.dataDir, "postmaster.pid")
	if _, err := os.Stat(pidFile); err != nil {
		return 0, false
	}
	// A stale postmaster.pid is harmless (postgres removes it on start);
	// only a live server counts, and pg_ctl status knows how to tell.
	if _, err := p.run(ctx, p.pgCtl, "status", "-D", p.dataDir); err != nil {
		return 0, false
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, false
	}
	// Line 4 of postmaster.pid is the port.
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil && port > 0
}

// run runs a PostgreSQL tool, as the unprivileged user when we are root.
//
// initdb and postgres refuse to run as root. Rather than shelling out through
// runuser/su (not on every system, and they need the command line re-quoted),
// the child is started with the unprivileged user's credentials directly,
// which is what `runuser -u postgres --` does.
func (p *Postgres) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	// The tools look up their working directory; root's may be unreadable to
	// the unprivileged user.
	cmd.Dir = p.dataDir
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	// pg_ctl start leaves the server running; should it ever inherit our
	// output pipe, do not wait for it to close.
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (p *Postgres) permissionHint() string {
	if p.cred == nil {
		return ""
	}
	return fmt.Sprintf(" (running as uid %d because PostgreSQL refuses root: every parent directory of %s must be searchable by that user)", p.cred.Uid, p.dataDir)
}

// unprivilegedCredential returns nil when not root, else the credentials of
// the "postgres" user (Debian's package creates it), falling back to "nobody".
func unprivilegedCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var lastErr error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			lastErr = err
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			lastErr = fmt.Errorf("user %s has non-numeric uid/gid %s/%s", name, u.Uid, u.Gid)
			continue
		}
		// Groups empty: drop root's supplementary groups too.
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	return nil, fmt.Errorf("running as root, and no unprivileged user (postgres or nobody) to run PostgreSQL as: %w", lastErr)
}

// Stop stops a private cluster (pg_ctl stop -m fast); for a server found
// elsewhere it does nothing. Safe to call more than once and on nil.
func (p *Postgres) Stop() error {
	if p == nil || !p.Private {
		return nil
	}
	p.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if out, err := p.run(ctx, p.pgCtl, "stop", "-D", p.dataDir, "-m", "fast", "-w"); err != nil {
			p.stopErr = fmt.Errorf("pg_ctl stop in %s: %w\n%s", p.dataDir, err, out)
		}
	})
	return p.stopErr
}

// DatabaseURL returns AdminURL with the database name replaced by name.
func (p *Postgres) DatabaseURL(name string) string {
	u, err := withDatabase(p.AdminURL, name)
	if err != nil {
		// AdminURL is always a URL FindPostgres validated; getting here means
		// the field was overwritten with garbage, and a silent fallback would
		// point callers at the wrong database.
		panic(fmt.Sprintf("devstack: Postgres.AdminURL %s: %v", redact(p.AdminURL), err))
	}
	return u
}

// EnsureDatabase creates database name unless it exists and returns its URL.
// Concurrent callers creating the same name both succeed.
func (p *Postgres) EnsureDatabase(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", errors.New("EnsureDatabase: empty database name")
	}
	db, err := sql.Open("postgres", p.AdminURL)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", redact(p.AdminURL), err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("checking for database %q: %w", name, err)
	}
	if !exists {
		// CREATE DATABASE takes no parameters, hence the quoted identifier.
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil && !isDuplicateDatabase(err) {
			return "", fmt.Errorf("creating database %q: %w", name, err)
		}
	}
	return p.DatabaseURL(name), nil
}

// isDuplicateDatabase recognises losing a creation race: duplicate_database,
// or the unique violation on pg_database that a concurrent CREATE can raise.
func isDuplicateDatabase(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	return pqErr.SQLState() == "42P04" || pqErr.SQLState() == "23505"
}

// DropDatabase drops database name if it exists, disconnecting its sessions
// (WITH (FORCE), PostgreSQL 13+), so a test that leaks a connection pool
// cannot block its own cleanup.
func (p *Postgres) DropDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("DropDatabase: empty database name")
	}
	db, err := sql.Open("postgres", p.AdminURL)
	if err != nil {
		return fmt.Errorf("opening %s: %w", redact(p.AdminURL), err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %q: %w", name, err)
	}
	return nil
}

func pingPostgres(ctx context.Context, dsn string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
}

// withDatabase returns the postgres:// URL raw with its database replaced.
// Only URLs are supported, not key=value DSNs, so the name can be swapped
// reliably.
func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse errors quote the input, password included.
		return "", errors.New("not a valid URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("want a postgres:// URL, got scheme %q", u.Scheme)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact masks the passwords of a connection string for messages, in any
// form (user:password@, ?password=, key=value).
func redact(raw string) string { return dsn.Redact(raw) }

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
