package testenv

import (
	"io"
	"log/slog"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/schema"
)

// OpenMigrated opens the database at url, brings its schema up to date (or
// waits, under the migrations' advisory lock, for a worker doing it) and
// closes it when the test ends.
func OpenMigrated(t testing.TB, url string) *sqlx.DB {
	t.Helper()
	db, err := app.OpenDB(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := schema.Migrate(t.Context(), db.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return db
}
