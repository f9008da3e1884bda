package testenv_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{SearchAttributes: []string{"AmwahtTestenvKeyword=Keyword"}}))
}

func TestShortModeSkips(t *testing.T) {
	if !testing.Short() {
		t.Skip("checks -short behaviour")
	}
	if testenv.Current() != nil {
		t.Fatal("Current() is not nil under -short")
	}
	reached := false
	t.Run("integration", func(t *testing.T) {
		testenv.Require(t)
		reached = true
	})
	if reached {
		t.Fatal("Require did not skip under -short")
	}
}

func TestRequire(t *testing.T) {
	env := testenv.Require(t)
	if env == nil || env != testenv.Current() || env.Temporal == nil || env.Postgres == nil {
		t.Fatalf("Require returned %+v", env)
	}
	if fi, err := os.Stat(env.CLIPath); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("CLIPath %q is not an executable: %v", env.CLIPath, err)
	}
}

func TestNewDatabase(t *testing.T) {
	env := testenv.Require(t)
	var url string
	t.Run("create", func(t *testing.T) {
		url = env.NewDatabase(t)
		db, err := sql.Open("postgres", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var name string
		if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "amwaht_test_") {
			t.Errorf("database name %q", name)
		}
		// Left open on purpose: the drop must not depend on tests closing
		// their pools first.
		if _, err := db.Exec("CREATE TABLE t (id int)"); err != nil {
			t.Fatal(err)
		}
	})
	if url == "" {
		t.FailNow()
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err == nil {
		t.Error("database still exists after the test that created it ended")
	}
}

func TestClient(t *testing.T) {
	env := testenv.Require(t)
	c := env.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: env.Temporal.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sa.GetCustomAttributes()["AmwahtTestenvKeyword"]; !ok {
		t.Errorf("search attribute from Options missing: %v", sa.GetCustomAttributes())
	}

	// A workflow round trip shows the namespace is usable, not only up.
	const queue = "testenv"
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, s string) (string, error) {
		return "hello " + s, nil
	}, workflow.RegisterOptions{Name: "hello"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, "hello", "testenv")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "hello testenv" {
		t.Fatalf("workflow result %q, %v", got, err)
	}
}
