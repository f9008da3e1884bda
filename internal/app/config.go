// Package app wires amwaht's processes, the worker and the staff CLI, to
// Temporal, PostgreSQL and SendGrid from the environment.
package app

import (
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"

	"github.com/stichtingbmp/amwaht/internal/codec"
	"github.com/stichtingbmp/amwaht/internal/dsn"
	"github.com/stichtingbmp/amwaht/internal/mail"
)

// Defaults of the environment (Temporal's own conventions for its part).
const (
	DefaultTemporalAddress = "localhost:7233"
	DefaultNamespace       = "default"
	DefaultDatabaseURL     = "postgres://postgres@127.0.0.1:5432/amwaht?sslmode=disable"
	DefaultFromEmail       = "amwaht@stichtingbmp.nl"
	DefaultStaffEmail      = "info@stichtingbmp.nl"
	// DefaultMetricsAddr is the OpenTelemetry Prometheus exporter's
	// customary port, so scrapers configured for it find the worker, on
	// this machine only: the endpoint has no login, so reaching it from
	// elsewhere is a choice (AMWAHT_METRICS_ADDR=0.0.0.0:9464, as compose
	// makes it).
	DefaultMetricsAddr = "127.0.0.1:9464"
	// DefaultMetricsInterval is how often the worker counts rollouts per
	// phase: visibility queries cost the Temporal server, and the counts
	// change on a human scale (days), so every scrape need not ask.
	DefaultMetricsInterval = 30 * time.Second
	// DefaultStartupWait is how long a starting worker waits for PostgreSQL:
	// long enough to ride out a database that starts beside it or restarts,
	// short enough that a wrong DATABASE_URL is reported within a minute.
	DefaultStartupWait = time.Minute
	// DefaultOutboxRetentionDays is how long an e-mail's subject and body
	// stay in the outbox after it went out: long enough to answer "what did
	// you send me?", short enough not to keep reasons and names for years.
	DefaultOutboxRetentionDays = 90
	// maxOutboxRetentionDays bounds the setting (ten years).
	maxOutboxRetentionDays = 3650
)

// Config is what the processes read from the environment.
type Config struct {
	DatabaseURL string
	// ReaderDatabaseURL is what the staff's reading commands (starter
	// emails list, privacy export) connect with: a role that may only read
	// (amwaht_reader); DatabaseURL when unset.
	ReaderDatabaseURL string
	SendGridAPIKey    string
	SendGridAPIHost   string
	SendGridSandbox   bool
	FromEmail         string
	StaffEmail        string
	// ReplyTo is the back office: e-mails' reply-to address and the contact
	// they name (AMWAHT_REPLY_TO).
	ReplyTo mail.Contact
	// MetricsAddr is where the worker serves /metrics and /healthz; empty
	// serves nothing.
	MetricsAddr string
	// MetricsInterval is how often the rollout gauges are refreshed.
	MetricsInterval time.Duration
	// StartupWait is how long the worker retries an unreachable PostgreSQL
	// at start before it gives up; zero gives up at once.
	StartupWait time.Duration
	// OutboxRetentionDays is how many days after sending an e-mail's
	// subject and body are purged from the outbox.
	OutboxRetentionDays int
	// PublicURL is the staff console's address as people reach it
	// (AMWAHT_PUBLIC_URL): the base of the personal task links in e-mails.
	PublicURL string
}

// DefaultPublicURL is the console's address in development.
const DefaultPublicURL = "http://127.0.0.1:8088"

// parsePublicURL reads AMWAHT_PUBLIC_URL: http or https, a host, no query.
func parsePublicURL(raw string) (string, error) {
	raw = strings.TrimRight(raw, "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("AMWAHT_PUBLIC_URL=%q: expected the console's address as people reach it, e.g. https://console.stichtingbmp.nl", raw)
	}
	return raw, nil
}

// ConfigFromEnv reads the environment, with defaults for development.
func ConfigFromEnv() (Config, error) {
	c := Config{
		DatabaseURL:         envOr("DATABASE_URL", DefaultDatabaseURL),
		OutboxRetentionDays: DefaultOutboxRetentionDays,
		SendGridAPIKey:      os.Getenv("SENDGRID_API_KEY"),
		SendGridAPIHost:     envOr("SENDGRID_API_HOST", mail.DefaultHost),
		FromEmail:           envOr("AMWAHT_FROM_EMAIL", DefaultFromEmail),
		StaffEmail:          envOr("AMWAHT_STAFF_EMAIL", DefaultStaffEmail),
		MetricsAddr:         DefaultMetricsAddr,
		MetricsInterval:     DefaultMetricsInterval,
		StartupWait:         DefaultStartupWait,
	}
	// LookupEnv, not envOr: set but empty means "off", unset means the default.
	if v, ok := os.LookupEnv("AMWAHT_METRICS_ADDR"); ok {
		addr, err := parseMetricsAddr(v)
		if err != nil {
			return c, err
		}
		c.MetricsAddr = addr
	}
	if v := strings.TrimSpace(os.Getenv("AMWAHT_METRICS_INTERVAL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return c, fmt.Errorf("AMWAHT_METRICS_INTERVAL=%q: expected a duration of at least 1s, such as 30s or 2m", v)
		}
		c.MetricsInterval = d
	}
	if v := strings.TrimSpace(os.Getenv("AMWAHT_STARTUP_WAIT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("AMWAHT_STARTUP_WAIT=%q: expected a duration such as 60s or 2m, or 0 to give up at once", v)
		}
		c.StartupWait = d
	}
	c.ReaderDatabaseURL = envOr("AMWAHT_READER_DATABASE_URL", c.DatabaseURL)
	if v := strings.TrimSpace(os.Getenv("AMWAHT_OUTBOX_RETENTION_DAYS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxOutboxRetentionDays {
			return c, fmt.Errorf("AMWAHT_OUTBOX_RETENTION_DAYS=%q: expected a number of days from 1 to %d (default %d)", v, maxOutboxRetentionDays, DefaultOutboxRetentionDays)
		}
		c.OutboxRetentionDays = n
	}
	if v := os.Getenv("SENDGRID_SANDBOX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("SENDGRID_SANDBOX=%q: use true or false", v)
		}
		c.SendGridSandbox = b
	}
	if err := mail.ValidateAddress(c.FromEmail); err != nil {
		return c, fmt.Errorf("AMWAHT_FROM_EMAIL: %w", err)
	}
	if err := mail.ValidateAddress(c.StaffEmail); err != nil {
		return c, fmt.Errorf("AMWAHT_STAFF_EMAIL: %w", err)
	}
	replyTo, err := parseReplyTo(envOr("AMWAHT_REPLY_TO", mail.BackOffice.Email))
	if err != nil {
		return c, err
	}
	c.ReplyTo = replyTo
	if c.PublicURL, err = parsePublicURL(envOr("AMWAHT_PUBLIC_URL", DefaultPublicURL)); err != nil {
		return c, err
	}
	if u, err := url.Parse(c.SendGridAPIHost); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("SENDGRID_API_HOST=%q: expected a URL such as %s", c.SendGridAPIHost, mail.DefaultHost)
	}
	return c, nil
}

// parseReplyTo reads AMWAHT_REPLY_TO: an address, or a name and an address
// ("Backoffice AMWAHT <amwaht@example.org>"); the name defaults to BMP's
// back office.
func parseReplyTo(v string) (mail.Contact, error) {
	a, err := netmail.ParseAddress(v)
	if err != nil {
		return mail.Contact{}, fmt.Errorf("AMWAHT_REPLY_TO=%q: expected an e-mail address, or Name <address>: %w", v, err)
	}
	if err := mail.ValidateAddress(a.Address); err != nil {
		return mail.Contact{}, fmt.Errorf("AMWAHT_REPLY_TO: %w", err)
	}
	return mail.BackOfficeAt(mail.Contact{Name: a.Name, Email: a.Address}), nil
}

// parseMetricsAddr accepts host:port or :port, and "" or "off" to disable.
// It checks the form here so that a typo fails at start with the variable's
// name rather than as a listen error later.
func parseMetricsAddr(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "off") {
		return "", nil
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", fmt.Errorf("AMWAHT_METRICS_ADDR=%q: expected host:port or :port (e.g. %s), or off: %w", v, DefaultMetricsAddr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("AMWAHT_METRICS_ADDR=%q: port %q is not a number from 0 to 65535", v, port)
	}
	return v, nil
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// TemporalOptions reads the Temporal client's options the way Temporal's
// own tools do (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS
// files, TEMPORAL_PROFILE and its config file), with the payload codec
// (CodecKeys): every process that talks to Temporal gets it here. Without
// keys it fails: nothing runs unencrypted.
func TemporalOptions() (client.Options, error) {
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return opts, fmt.Errorf("read Temporal client configuration: %w", err)
	}
	if opts.HostPort == "" {
		opts.HostPort = DefaultTemporalAddress
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	keys, err := CodecKeys()
	if err != nil {
		return opts, err
	}
	codec.Configure(&opts, keys)
	return opts, nil
}

// CodecKeys reads the payload codec's keys: AMWAHT_CODEC_KEYS, else the
// file AMWAHT_CODEC_KEY_FILE, else (in a checkout where make demo ran) the
// demo's .amwaht/codec-keys; AMWAHT_CODEC_ENCRYPT_WITH pins the key that
// encrypts.
func CodecKeys() (*codec.Keyring, error) { return codec.Load() }

// DataConverter is the data converter TemporalOptions gives the client,
// for what a rollout.Client decodes itself (a rollout's input).
func DataConverter() (converter.DataConverter, error) {
	keys, err := CodecKeys()
	if err != nil {
		return nil, err
	}
	return codec.NewDataConverter(keys), nil
}

// RedactURL hides the passwords of a database connection string, in any
// form (postgres://user:pw@…, ?password=…, key=value), for messages.
func RedactURL(raw string) string { return dsn.Redact(raw) }

// WorkerHelp is the worker's --help.
const WorkerHelp = `worker: runs amwaht's rollout workflows and activities on Temporal task queue "amwaht".

Usage: worker                (stops gracefully on Ctrl-C / SIGTERM)
       worker healthcheck    asks the running worker's /healthz: exit 0 healthy, 1 not

At start it applies the database migrations (safe with several workers) and
registers the search attributes on the namespace when they are missing.

Environment:
  TEMPORAL_ADDRESS     Temporal frontend (default localhost:7233)
  TEMPORAL_NAMESPACE   namespace (default "default"); TEMPORAL_API_KEY, TLS and
                       profiles as in Temporal's environment configuration
  DATABASE_URL         PostgreSQL (default postgres://postgres@127.0.0.1:5432/amwaht?sslmode=disable)
  AMWAHT_CODEC_KEYS    payload encryption keys, id:base64key,… oldest first (required; or:)
  AMWAHT_CODEC_KEY_FILE  a file with one id:base64key per line
  AMWAHT_CODEC_ENCRYPT_WITH  the key ID to encrypt with during a rotation (default the last)
  AMWAHT_OUTBOX_RETENTION_DAYS  days after sending that e-mail bodies are purged (default 90)
  SENDGRID_API_KEY     without it e-mails are rendered, stored and logged, not sent
  SENDGRID_API_HOST    SendGrid API base URL (default https://api.sendgrid.com)
  SENDGRID_SANDBOX     true: SendGrid validates but delivers nothing
  AMWAHT_FROM_EMAIL    sender address (default amwaht@stichtingbmp.nl)
  AMWAHT_STAFF_EMAIL   BMP staff, who get escalations (default info@stichtingbmp.nl)
  AMWAHT_REPLY_TO      the back office: reply-to of every e-mail and the contact it
                       names (default info@stichtingbmp.nl; "Name <address>" sets the name)
  AMWAHT_METRICS_ADDR  where /metrics (Prometheus) and /healthz are served
                       (default 127.0.0.1:9464; empty or "off" serves nothing)
  AMWAHT_METRICS_INTERVAL  how often rollouts per phase are counted (default 30s)
  AMWAHT_LOG_FORMAT    json or text (default: text on a terminal, json otherwise)
`
