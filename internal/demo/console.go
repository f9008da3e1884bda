package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/console"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/schema"
)

// Staff is the demo's staff member: the console's sign-in links for this
// address are printed, not e-mailed.
var Staff = struct{ Email, Name string }{"medewerker@stichtingbmp.example", "Demo-medewerker"}

const consolePort = 8088

// startConsole serves the staff console on its default address and returns
// a fresh sign-in link for the demo's staff member. Links asked for on the
// sign-in page are printed to out.
func startConsole(ctx context.Context, cfg app.Config, uiURL string, out io.Writer, log *slog.Logger) (signIn string, done <-chan error, err error) {
	if inUse(consolePort) {
		return "", nil, fmt.Errorf("port %d is already in use: is an earlier demo (or a console) still running? Stop it, then run make demo again", consolePort)
	}
	db, err := app.OpenDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	if _, err := schema.Migrate(ctx, db.DB, log); err != nil {
		return "", nil, err
	}
	store := staff.Store{DB: db}
	m, err := store.Add(ctx, Staff.Email, Staff.Name)
	if errors.Is(err, staff.ErrExists) {
		m, err = store.ByEmail(ctx, Staff.Email)
	}
	if err != nil {
		return "", nil, err
	}
	public, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", consolePort))
	ccfg := console.Config{Addr: public.Host, PublicURL: public, UIURL: uiURL, Namespace: "default"}
	token, err := store.IssueLink(ctx, m, time.Now())
	if err != nil {
		return "", nil, err
	}
	ch, ready := make(chan error, 1), make(chan struct{})
	go func() {
		ch <- console.Run(ctx, ccfg, cfg, log, console.Options{Mailer: console.PrintMailer{Out: out},
			Ready: func(string) { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-ch:
		return "", nil, err
	}
	return ccfg.Link("/inloggen/" + token), ch, nil
}
