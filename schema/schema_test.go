package schema_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3/lock"

	"github.com/stichtingbmp/amwaht/internal/testenv"
	"github.com/stichtingbmp/amwaht/schema"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

// migrationFiles counts the migrations on disk, which the binary embeds.
func migrationFiles(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return len(files)
}

// Several workers start at once in a scaled-out deployment, each migrating
// at start: the advisory lock must let exactly one apply each migration.
func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	url := testenv.Require(t).NewDatabase(t)
	want := migrationFiles(t)

	// Separate pools, as separate worker processes would have.
	const workers = 2
	dbs := make([]*sql.DB, workers)
	for i := range dbs {
		db, err := sql.Open("postgres", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	// goose's lock is retried every 5 s, so this test takes 10 s or so.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Hold the migration lock (goose's default ID, which Migrate uses) while
	// both calls start, so that they really contend: the migrations take
	// milliseconds, and without this one call could finish before the other
	// asks, and the test would pass without testing anything.
	holder, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Close() })
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}

	applied := make([]int, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() {
			<-start
			applied[i], errs[i] = schema.Migrate(ctx, dbs[i], log)
		})
	}
	close(start)
	time.Sleep(time.Second) // both have tried the lock and wait to retry
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	wg.Wait()

	sum := 0
	for i := range applied {
		if errs[i] != nil {
			t.Fatalf("Migrate %d: %v", i, errs[i])
		}
		sum += applied[i]
	}
	if sum != want || (applied[0] != 0 && applied[1] != 0) {
		t.Errorf("applied %v migrations (sum %d); want one call to apply all %d and the other none", applied, sum, want)
	}

	// goose's version table: every version recorded once, as applied.
	rows, err := dbs[0].QueryContext(ctx, `SELECT version_id, count(*), bool_and(is_applied) FROM goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	versions := 0
	for rows.Next() {
		var v, n int64
		var ok bool
		if err := rows.Scan(&v, &n, &ok); err != nil {
			t.Fatal(err)
		}
		versions++
		if n != 1 || !ok {
			t.Errorf("version %d: %d rows in goose_db_version (applied %v), want 1", v, n, ok)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if versions != want {
		t.Errorf("goose_db_version holds %d versions, want %d", versions, want)
	}

	// A later start finds nothing to do.
	if n, err := schema.Migrate(ctx, dbs[0], log); err != nil || n != 0 {
		t.Errorf("third Migrate applied %d, %v; want 0", n, err)
	}
}
