package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/stichtingbmp/amwaht/internal/dsn"
	"github.com/stichtingbmp/amwaht/internal/rollout"
)

// ErrUnreachable marks a service that did not answer: the CLI maps it to its
// own exit code.
var ErrUnreachable = errors.New("service unreachable")

// DialTemporal connects and says, when it cannot, which address it tried and
// how to point it elsewhere.
func DialTemporal(ctx context.Context, log *slog.Logger) (client.Client, error) {
	return DialTemporalAs(ctx, "", log)
}

// DialTemporalAs connects with a client identity that names who acts (the
// staff member, the console), so Temporal's own records of every request
// say who sent it; empty keeps the SDK's default (pid@host).
func DialTemporalAs(ctx context.Context, identity string, log *slog.Logger) (client.Client, error) {
	opts, err := TemporalOptions()
	if err != nil {
		return nil, err
	}
	if identity != "" {
		opts.Identity = identity
	}
	return dialTemporal(ctx, opts, log, nil)
}

// dialTemporal is DialTemporal with options already read (TemporalOptions)
// and the SDK's metrics going to metrics (nil: none, as for the CLI, whose
// short runs are not scraped).
func dialTemporal(ctx context.Context, opts client.Options, log *slog.Logger, metrics client.MetricsHandler) (client.Client, error) {
	if log != nil {
		opts.Logger = tlog.NewStructuredLogger(log)
	}
	if metrics != nil {
		opts.MetricsHandler = metrics
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot reach Temporal at %s (namespace %s): %v\n"+
			"Start it (make demo starts a local dev server) or set TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE",
			ErrUnreachable, opts.HostPort, opts.Namespace, err)
	}
	return c, nil
}

// OpenDB connects to PostgreSQL and checks that it answers.
func OpenDB(ctx context.Context, url string) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		// The driver's own words may quote the connection string.
		return nil, fmt.Errorf("open PostgreSQL %s: %s", RedactURL(url), dsn.RedactIn(err.Error(), url))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: cannot reach PostgreSQL at %s: %s\nStart it or set DATABASE_URL (e.g. %s)",
			ErrUnreachable, RedactURL(url), dsn.RedactIn(err.Error(), url), DefaultDatabaseURL)
	}
	db.SetMaxOpenConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// EnsureSearchAttributes registers the project's search attributes on the
// namespace when they are missing, so a fresh server works without a manual
// step. An attribute registered with another type is an error to fix by hand.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enums.IndexedValueType{}
	var names []string
	for _, a := range rollout.SearchAttributes() {
		t, ok := have.GetCustomAttributes()[a.Name]
		switch {
		case !ok:
			missing[a.Name] = a.Type
			names = append(names, a.Name)
		case t != a.Type:
			return fmt.Errorf("search attribute %s exists on namespace %s with type %s, amwaht needs %s", a.Name, namespace, t, a.Type)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("register search attributes %v on namespace %s: %w", names, namespace, err)
	}
	log.Info("registered search attributes", "namespace", namespace, "attributes", names)
	return nil
}
