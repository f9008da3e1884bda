package schema_test

import (
	"database/sql"
	"io"
	"log/slog"
	"sort"
	"testing"

	"github.com/stichtingbmp/amwaht/internal/privacy"
	"github.com/stichtingbmp/amwaht/internal/testenv"
	"github.com/stichtingbmp/amwaht/schema"
)

// TestEveryTableInThePrivacyInventory: a table a migration adds must say,
// in internal/privacy, what it holds about people and how a person's
// export and erasure treat it; and amwaht_reader may read exactly the
// tables the migrations granted it, and write none.
func TestEveryTableInThePrivacyInventory(t *testing.T) {
	db, err := sql.Open("postgres", testenv.Require(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := schema.Migrate(t.Context(), db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(t.Context(), `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
		if privacy.Tables[name] == "" {
			t.Errorf("table %s is not in internal/privacy's Tables: say what it holds about people, and export and erase it if it does", name)
		}
	}
	for name := range privacy.Tables {
		if i := sort.SearchStrings(tables, name); i == len(tables) || tables[i] != name {
			t.Errorf("internal/privacy lists table %s, which the schema does not have", name)
		}
	}
	for _, table := range tables {
		var read, write bool
		err := db.QueryRowContext(t.Context(), `SELECT has_table_privilege('amwaht_reader', $1, 'SELECT'),
			has_table_privilege('amwaht_reader', $1, 'INSERT') OR has_table_privilege('amwaht_reader', $1, 'UPDATE') OR has_table_privilege('amwaht_reader', $1, 'DELETE')`, table).Scan(&read, &write)
		if err != nil {
			t.Fatal(err)
		}
		wantRead := table == "outbox" || table == "payments" || table == "participants"
		if read != wantRead || write {
			t.Errorf("amwaht_reader on %s: read %v (want %v), write %v", table, read, wantRead, write)
		}
	}
}
