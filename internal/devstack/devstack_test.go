package devstack

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// testLog adapts t.Logf for the logw parameters.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestCacheDir(t *testing.T) {
	t.Setenv("HOME", "/home/someone")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("AMWAHT_CACHE", "")
	check := func(want string) {
		t.Helper()
		got, err := CacheDir()
		if err != nil || got != want {
			t.Fatalf("CacheDir() = %q, %v; want %q", got, err, want)
		}
	}
	check("/home/someone/.cache/amwaht")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	check("/xdg/amwaht")
	t.Setenv("AMWAHT_CACHE", "/explicit")
	check("/explicit")
}

func TestTemporalCLIUsesCachedBinary(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("AMWAHT_CACHE", cache)
	bin := filepath.Join(cache, "temporal-"+TemporalCLIVersion, "temporal")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := TemporalCLI(context.Background(), nil)
	if err != nil || got != bin {
		t.Fatalf("TemporalCLI() = %q, %v; want %q", got, err, bin)
	}
}

// While another process holds the lock (building), a caller waits, and its
// context ends the wait without starting a build of its own.
func TestTemporalCLIWaitsForLockAndHonoursContext(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("AMWAHT_CACHE", cache)
	unlock, err := lockFile(context.Background(), filepath.Join(cache, "temporal-"+TemporalCLIVersion+".lock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	var log strings.Builder
	_, err = TemporalCLI(ctx, &log)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("TemporalCLI with the lock held elsewhere: err = %v, want deadline exceeded", err)
	}
	if !strings.Contains(log.String(), "waiting for another process") {
		t.Errorf("no waiting message in log: %q", log.String())
	}
	if strings.Contains(log.String(), "building Temporal CLI") {
		t.Errorf("started a build while the lock was held: %q", log.String())
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("FreePort returned %d but it cannot be bound: %v", port, err)
	}
	l.Close()
}

func temporalCLIForTest(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the Temporal CLI; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := TemporalCLI(ctx, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestStartTemporal(t *testing.T) {
	bin := temporalCLIForTest(t)
	ctx := context.Background()

	start := time.Now()
	srv, err := StartTemporal(ctx, bin, TemporalOptions{
		Headless:         true,
		Namespace:        "amwaht-devstack-test",
		SearchAttributes: []string{"AmwahtDevstackKeyword=Keyword", "AmwahtDevstackInt=Int"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dev server ready at %s in %s", srv.Address, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() { _ = srv.Stop() })
	if srv.UIURL != "" {
		t.Errorf("headless server has UIURL %q", srv.UIURL)
	}

	c, err := client.DialContext(ctx, client.Options{HostPort: srv.Address, Namespace: srv.Namespace, Logger: QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: srv.Namespace})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	want := map[string]enums.IndexedValueType{
		"AmwahtDevstackKeyword": enums.INDEXED_VALUE_TYPE_KEYWORD,
		"AmwahtDevstackInt":     enums.INDEXED_VALUE_TYPE_INT,
	}
	for name, typ := range want {
		if got, ok := resp.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s = %v (present %v), want %v", name, got, ok, typ)
		}
	}

	c.Close()
	stopStart := time.Now()
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(stopStart).Round(time.Millisecond))
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", srv.Address, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Stop", srv.Address)
	}
}

func TestStartTemporalWithUIAndDBFile(t *testing.T) {
	bin := temporalCLIForTest(t)
	db := filepath.Join(t.TempDir(), "temporal.db")
	const codecEndpoint = "http://127.0.0.1:8088/codec"
	srv, err := StartTemporal(context.Background(), bin, TemporalOptions{DBFile: db, UICodecEndpoint: codecEndpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if srv.Namespace != "default" || !strings.HasPrefix(srv.UIURL, "http://127.0.0.1:") {
		t.Errorf("Namespace %q, UIURL %q", srv.Namespace, srv.UIURL)
	}
	// The Web UI tells the browser where its codec server is.
	var settings string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		resp, err := http.Get(srv.UIURL + "/api/v1/settings")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if settings = string(b); resp.StatusCode == http.StatusOK {
			break
		}
	}
	if !strings.Contains(settings, codecEndpoint) {
		t.Errorf("the Web UI's settings do not name the codec endpoint %s:\n%s", codecEndpoint, settings)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("SQLite file not created: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A server that dies during start-up is reported with its own words rather
// than as a one-minute timeout.
func TestStartTemporalEarlyExit(t *testing.T) {
	bin := temporalCLIForTest(t)
	start := time.Now()
	_, err := StartTemporal(context.Background(), bin, TemporalOptions{
		Headless:         true,
		SearchAttributes: []string{"Broken=NoSuchType"},
	})
	if err == nil {
		t.Fatal("StartTemporal succeeded with an invalid search attribute type")
	}
	if !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "NoSuchType") {
		t.Errorf("error does not explain the early exit: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s to notice the exit", d)
	}
}

func requireDefaultPostgres(t *testing.T) {
	t.Helper()
	if err := pingPostgres(context.Background(), DefaultPostgresURL, 2*time.Second); err != nil {
		t.Skipf("no PostgreSQL at %s: %v", DefaultPostgresURL, err)
	}
}

func TestFindPostgresDefault(t *testing.T) {
	requireDefaultPostgres(t)
	t.Setenv("DATABASE_URL", "")
	pg, err := FindPostgres(context.Background(), "", testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	if pg.AdminURL != DefaultPostgresURL || pg.Private {
		t.Fatalf("got %+v, want the default server", pg)
	}
	if err := pg.Stop(); err != nil {
		t.Errorf("Stop on a shared server: %v", err)
	}
}

func TestFindPostgresFromDatabaseURL(t *testing.T) {
	requireDefaultPostgres(t)
	// The named database need not exist: only the maintenance db is checked.
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/amwaht_not_created_yet?sslmode=disable")
	pg, err := FindPostgres(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"; pg.AdminURL != want {
		t.Fatalf("AdminURL = %q, want %q", pg.AdminURL, want)
	}
}

func TestFindPostgresBadDatabaseURLMasksPassword(t *testing.T) {
	port, err := FreePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "postgres://amwaht:s3cr3t@127.0.0.1:"+strconv.Itoa(port)+"/amwaht?sslmode=disable")
	_, err = FindPostgres(context.Background(), t.TempDir(), nil)
	if err == nil {
		t.Fatal("FindPostgres succeeded against a closed port")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, "amwaht:xxxxx@127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("error should name the URL with the password masked: %v", err)
	}
}

// The password in a query parameter, which url.Redacted does not see, is
// masked too.
func TestFindPostgresQueryPasswordMasked(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", "postgres://amwaht@127.0.0.1:"+strconv.Itoa(port)+"/amwaht?sslmode=disable&password=s3cr3t")
	var logs strings.Builder
	_, err = FindPostgres(context.Background(), t.TempDir(), &logs)
	if err == nil {
		t.Fatal("FindPostgres succeeded against a closed port")
	}
	if msg := err.Error() + logs.String(); strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, "password=xxxxx") {
		t.Errorf("the password should be masked: %s", msg)
	}
}

func TestFindPostgresDSNNotEchoed(t *testing.T) {
	t.Setenv("DATABASE_URL", "host=127.0.0.1 password=s3cr3t")
	_, err := FindPostgres(context.Background(), "", nil)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("want an error without the password, got %v", err)
	}
}

func TestDatabaseURL(t *testing.T) {
	p := &Postgres{AdminURL: "postgres://u:p@h:1/postgres?sslmode=disable"}
	if got, want := p.DatabaseURL("amwaht"), "postgres://u:p@h:1/amwaht?sslmode=disable"; got != want {
		t.Errorf("DatabaseURL = %q, want %q", got, want)
	}
}

func TestEnsureAndDropDatabase(t *testing.T) {
	requireDefaultPostgres(t)
	pg := &Postgres{AdminURL: DefaultPostgresURL}
	exerciseDatabases(t, pg)
}

func exerciseDatabases(t *testing.T, pg *Postgres) {
	t.Helper()
	ctx := context.Background()
	// Upper case and a hyphen: only survives if the identifier is quoted.
	name := "amwaht-Devstack-" + randomSuffix(t)
	t.Cleanup(func() { _ = pg.DropDatabase(context.Background(), name) })

	url1, err := pg.EnsureDatabase(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	url2, err := pg.EnsureDatabase(ctx, name)
	if err != nil {
		t.Fatalf("second EnsureDatabase: %v", err)
	}
	if url1 != url2 || url1 != pg.DatabaseURL(name) {
		t.Errorf("URLs differ: %q, %q, %q", url1, url2, pg.DatabaseURL(name))
	}

	// An open session must not block the drop (WITH (FORCE)).
	db, err := sql.Open("postgres", url1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&got); err != nil || got != name {
		t.Fatalf("current_database() = %q, %v; want %q", got, err, name)
	}

	if err := pg.DropDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := pg.DropDatabase(ctx, name); err != nil {
		t.Fatalf("dropping a missing database: %v", err)
	}
	if err := pingPostgres(ctx, url1, 2*time.Second); err == nil {
		t.Errorf("database %s still answers after DropDatabase", name)
	}
}

func TestPrivatePostgres(t *testing.T) {
	binDir, err := findPostgresBin()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	base := t.TempDir()
	if os.Geteuid() == 0 {
		// t.TempDir's parent is 0700 root; the postgres user must traverse it.
		for _, d := range []string{base, filepath.Dir(base)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	dataDir := filepath.Join(base, "pg")

	start := time.Now()
	pg, err := startPrivatePostgres(ctx, binDir, dataDir, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("private cluster (initdb + start) in %s", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() { _ = pg.Stop() })
	if !pg.Private || !strings.HasPrefix(pg.AdminURL, "postgres://postgres@127.0.0.1:") {
		t.Fatalf("got %+v", pg)
	}
	exerciseDatabases(t, pg)

	// A second process finding the cluster still running reuses it.
	again, err := startPrivatePostgres(ctx, binDir, dataDir, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	if again.AdminURL != pg.AdminURL {
		t.Errorf("running cluster not reused: %q vs %q", again.AdminURL, pg.AdminURL)
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := pingPostgres(ctx, pg.AdminURL, time.Second); err == nil {
		t.Fatal("private cluster still answers after Stop")
	}

	// Restarting on the same data directory skips initdb and keeps the data.
	restarted, err := startPrivatePostgres(ctx, binDir, dataDir, testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.Stop(); err != nil {
		t.Fatal(err)
	}
}
