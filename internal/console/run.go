package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stichtingbmp/amwaht/internal/app"
	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/delivery"
	"github.com/stichtingbmp/amwaht/internal/mail"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/rollout"
	"github.com/stichtingbmp/amwaht/schema"
)

// Options are what Run needs beside the environment.
type Options struct {
	Mailer Mailer // nil: SendGrid when SENDGRID_API_KEY is set, else none
	// Ready, when set, hears the address the console listens on.
	Ready func(addr string)
}

// Run serves the console until ctx ends, then stops gracefully.
func Run(ctx context.Context, cfg Config, acfg app.Config, log *slog.Logger, opts Options) error {
	db, err := app.OpenDB(ctx, acfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := schema.Migrate(ctx, db.DB, log); err != nil {
		return err
	}
	c, err := app.DialTemporalAs(ctx, "console", log)
	if err != nil {
		return err
	}
	defer c.Close()
	mailer := opts.Mailer
	if mailer == nil {
		mailer = NoMailer{}
		if acfg.SendGridAPIKey != "" {
			mailer = MailSender{Sender: mail.SendGrid{APIKey: acfg.SendGridAPIKey, Host: acfg.SendGridAPIHost, Sandbox: acfg.SendGridSandbox},
				From: mail.Contact{Name: "Stichting BMP (AMWAHT)", Email: acfg.FromEmail}, ReplyTo: mail.BackOffice}
		} else {
			log.Warn("no SENDGRID_API_KEY: the console cannot e-mail sign-in links")
		}
	}
	keys, err := app.CodecKeys()
	if err != nil {
		return err
	}
	s, err := New(cfg, Deps{DB: db, Temporal: c, Keys: keys, Mailer: mailer, Log: log})
	if err != nil {
		return err
	}
	defer s.Close()
	webhookKey, err := delivery.PublicKeyFromEnv()
	if err != nil {
		return err
	}
	mux, err := s.routes(webhookKey)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("console: listen on %s (AMWAHT_CONSOLE_ADDR): %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("console serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String())
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	go s.purgeLinks(ctx)
	select {
	case err := <-done:
		return fmt.Errorf("console: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("console: stop: %w", err)
	}
	log.Info("console stopped")
	return nil
}

// healthcheck asks the running console's /healthz, for a container health
// check (the distroless image has no curl).
func healthcheck() int {
	cfg, err := ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "configuration:", err)
		return 2
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "console: /healthz answered", resp.Status)
		return 1
	}
	fmt.Println("ok")
	return 0
}

// routes are the pages and, beside them, the codec server the Temporal Web
// UI decrypts histories with (for signed-in staff only) and SendGrid's
// signed Event Webhook (when its verification key is set).
func (s *Server) routes(webhookKey string) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	if webhookKey != "" {
		sendgrid := &rollout.Client{T: s.temporal, Actor: plan.Actor{Via: plan.ViaWebhook, Name: "SendGrid"}, Converter: codec.NewDataConverter(s.keys)}
		h, err := delivery.NewHandler(s.db, sendgrid, webhookKey, s.log)
		if err != nil {
			return nil, err
		}
		mux.Handle("POST /webhooks/sendgrid", h)
	} else {
		s.log.Warn("no SENDGRID_WEBHOOK_PUBLIC_KEY: bounces are not reported to the rollouts")
	}
	origin, err := codec.UIOrigin(s.cfg.UIURL)
	if err != nil {
		return nil, fmt.Errorf("AMWAHT_UI_URL: %w", err)
	}
	mux.Handle("/codec/", s.WithSession(codec.NewServer(codec.ServerOptions{
		Keys: s.keys, Namespace: s.cfg.Namespace, AllowedOrigin: origin, Authorize: s.Signed, Log: s.log})))
	s.mountTaskPages(mux)
	mux.Handle("/", s.Handler())
	return mux, nil
}

// purgeLinks removes lapsed sign-in links every hour.
func (s *Server) purgeLinks(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := s.staff.Purge(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("purging lapsed sign-in links", "error", err)
		}
		s.purgeTaskLinks(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Help is what console --help prints.
const Help = `console: BMP staff's web console for AMWAHT rollouts (see README.md, "The staff console").

Usage:
  console               serve until SIGTERM or Ctrl-C
  console healthcheck   ask the running console's /healthz: exit 0 healthy, 1 not

Environment (besides the worker's: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
AMWAHT_CODEC_KEYS or AMWAHT_CODEC_KEY_FILE, SENDGRID_API_KEY, SENDGRID_API_HOST,
AMWAHT_FROM_EMAIL, AMWAHT_REPLY_TO, AMWAHT_LOG_FORMAT):
  AMWAHT_CONSOLE_ADDR   where it listens (default ` + DefaultAddr + `)
  AMWAHT_PUBLIC_URL     its address as people reach it, the base of links in e-mails
                        (default ` + DefaultPublicURL + `; https makes cookies Secure)
  AMWAHT_UI_URL         the Temporal Web UI, for links and the codec server's CORS origin
                        (default http://localhost:8233)
  SENDGRID_WEBHOOK_PUBLIC_KEY or SENDGRID_WEBHOOK_PUBLIC_KEY_FILE
                        the Event Webhook's verification key; unset: no webhook

Staff who may sign in: starter staff add ADDRESS --name NAME.
`

// Main is the console binary's whole main.
func Main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "-h", "--help", "help":
			fmt.Print(Help)
			return
		case "healthcheck":
			os.Exit(healthcheck())
		default:
			fmt.Fprint(os.Stderr, Help)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := app.LoggerFromEnv(os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(2)
	}
	acfg, err := app.ConfigFromEnv()
	if err == nil {
		var cfg Config
		if cfg, err = ConfigFromEnv(); err == nil {
			err = Run(ctx, cfg, acfg, log, Options{})
		}
	}
	if err != nil {
		log.Error("console stopped", "error", err)
		os.Exit(1)
	}
}
