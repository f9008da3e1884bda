// Command sendgrid-relay is a development stand-in for SendGrid's v3 mail API.
// It accepts POST /v3/mail/send as SendGrid does (a bearer key, the v3 JSON,
// 202 Accepted with an X-Message-Id header, 400 with SendGrid's error shape),
// and instead of delivering it relays every mail over SMTP to a local inbox
// such as Mailpit, so a developer sees what a recipient would get.
//
// The messages are 7-bit clean MIME: multipart/alternative with text/plain
// before text/html, UTF-8 bodies in quoted-printable, RFC 2047 encoded
// subjects and names, so Dutch text (één, café, Zuid‑Holland) survives any
// SMTP server. Categories become Mailpit tags (X-Tags); custom_args travel in
// an X-Custom-Args header.
//
// Attachments (the calendar invitations) travel as MIME parts after the
// bodies. With EVENT_WEBHOOK_URL set, every relayed mail is followed by a
// signed "delivered" event to that URL, as SendGrid's Event Webhook posts
// it, so the console shows delivery states in development too.
//
// It is for development only: it delivers nothing outside the inbox it
// relays to, accepts any non-empty API key, and ignores templates and
// scheduling.
//
// Environment:
//
//	LISTEN_ADDR                address to serve the API on (default :3030)
//	SMTP_ADDR                  SMTP server to relay to (default mailpit:1025)
//	EVENT_WEBHOOK_URL          where to post signed delivered events (default: none)
//	EVENT_WEBHOOK_KEY_DIR      folder holding the signing key pair, made at first
//	                           start (private.key, public.key for the console)
//	EVENT_WEBHOOK_PRIVATE_KEY  the signing key itself (base64 PKCS #8), instead
//
// `sendgrid-relay -keygen` prints a new key pair as environment variables.
//
// `sendgrid-relay -healthcheck` asks a running relay on LISTEN_ADDR whether it
// is up (for container health checks: the image has no shell or curl).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/stichtingbmp/amwaht/internal/delivery/signing"
)

const (
	defaultListenAddr = ":3030"
	defaultSMTPAddr   = "mailpit:1025"
	// maxRequestBytes is SendGrid's limit on a whole request.
	maxRequestBytes = 30 << 20
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	listen := envOr("LISTEN_ADDR", defaultListenAddr)
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "-healthcheck", "--healthcheck":
			if err := healthcheck(listen); err != nil {
				fmt.Fprintln(os.Stderr, "sendgrid-relay unhealthy:", err)
				os.Exit(1)
			}
			return
		case "-keygen", "--keygen":
			priv, pub, err := signing.NewKeyPair()
			if err != nil {
				fmt.Fprintln(os.Stderr, "sendgrid-relay:", err)
				os.Exit(1)
			}
			fmt.Printf("EVENT_WEBHOOK_PRIVATE_KEY=%s\nSENDGRID_WEBHOOK_PUBLIC_KEY=%s\n", priv, pub)
			return
		case "-h", "--help", "help":
			fmt.Print(help)
			return
		default:
			fmt.Fprintf(os.Stderr, "sendgrid-relay: unknown argument %q\n\n%s", os.Args[1], help)
			os.Exit(2)
		}
	}

	r := &Relay{SMTPAddr: envOr("SMTP_ADDR", defaultSMTPAddr), Log: log}
	if url := envOr("EVENT_WEBHOOK_URL", ""); url != "" {
		key, err := loadOrCreateKey(os.Getenv("EVENT_WEBHOOK_PRIVATE_KEY"), envOr("EVENT_WEBHOOK_KEY_DIR", ""))
		if err != nil {
			log.Error("sendgrid-relay: the Event Webhook's signing key", "error", err)
			os.Exit(1)
		}
		r.Events = &Events{URL: url, Key: key, Log: log, Attempts: 6}
		log.Info("posting signed delivered events", "url", url)
	}
	srv := &http.Server{Addr: listen, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	log.Info("sendgrid-relay listening", "addr", listen, "smtp", r.SMTPAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("sendgrid-relay failed", "error", err)
		os.Exit(1)
	}
}

const help = `sendgrid-relay: a development stand-in for SendGrid's v3 mail API that relays
every accepted mail over SMTP to a local inbox (Mailpit).

Usage: sendgrid-relay                 serve POST /v3/mail/send
       sendgrid-relay -healthcheck    exit 0 if a relay answers on LISTEN_ADDR
       sendgrid-relay -keygen         print a new Event Webhook key pair

Environment:
  LISTEN_ADDR                address to serve on (default :3030)
  SMTP_ADDR                  SMTP server to relay to (default mailpit:1025)
  EVENT_WEBHOOK_URL          post signed "delivered" events here after each mail
  EVENT_WEBHOOK_KEY_DIR      folder with the signing key pair, made at first start
                             (public.key is what the console verifies with)
  EVENT_WEBHOOK_PRIVATE_KEY  the signing key (base64 PKCS #8), instead of the folder
`

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// healthcheck asks the relay listening on addr for /healthz.
func healthcheck(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR=%q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Relay is the HTTP handler: SendGrid's v3 mail send in front, SMTP behind.
type Relay struct {
	SMTPAddr string        // host:port of the SMTP server
	Timeout  time.Duration // for one SMTP conversation; default 30 s
	Helo     string        // name given in EHLO; default "sendgrid-relay"
	Log      *slog.Logger
	Now      func() time.Time // for tests; default time.Now
	Events   *Events          // posts delivered events; nil posts none
}

// The v3 request, in the parts the relay uses. Unknown fields are accepted
// and ignored, as SendGrid ignores what it does not need.
type address struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type personalization struct {
	To         []address         `json:"to"`
	Cc         []address         `json:"cc"`
	Bcc        []address         `json:"bcc"`
	Subject    string            `json:"subject"`
	CustomArgs map[string]string `json:"custom_args"`
}

type attachment struct {
	Content     string `json:"content"` // base64
	Type        string `json:"type"`
	Filename    string `json:"filename"`
	Disposition string `json:"disposition"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type sendRequest struct {
	Personalizations []personalization `json:"personalizations"`
	From             *address          `json:"from"`
	ReplyTo          *address          `json:"reply_to"`
	Subject          string            `json:"subject"`
	Content          []content         `json:"content"`
	Categories       []string          `json:"categories"`
	CustomArgs       map[string]string `json:"custom_args"`
	Attachments      []attachment      `json:"attachments"`
	MailSettings     *struct {
		SandboxMode *struct {
			Enable bool `json:"enable"`
		} `json:"sandbox_mode"`
	} `json:"mail_settings"`
}

// apiError is one entry of SendGrid's error body.
type apiError struct {
	Message string  `json:"message"`
	Field   *string `json:"field"`
	Help    *string `json:"help"`
}

func fieldError(field, msg string) apiError {
	e := apiError{Message: msg}
	if field != "" {
		e.Field = &field
	}
	return e
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Errors []apiError `json:"errors"`
	}{errs})
}

func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.URL.Path {
	case "/healthz":
		io.WriteString(w, "ok\n")
	case "/v3/mail/send":
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeErrors(w, http.StatusMethodNotAllowed, fieldError("", "method not allowed: use POST"))
			return
		}
		r.send(w, req)
	default:
		writeErrors(w, http.StatusNotFound, fieldError("", "not found: this relay serves POST /v3/mail/send only"))
	}
}

func (r *Relay) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (r *Relay) send(w http.ResponseWriter, req *http.Request) {
	auth := req.Header.Get("Authorization")
	if key, ok := strings.CutPrefix(auth, "Bearer "); !ok || strings.TrimSpace(key) == "" {
		writeErrors(w, http.StatusUnauthorized, fieldError("", "The provided authorization grant is invalid, expired, or revoked"))
		return
	}
	var sr sendRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxRequestBytes))
	if err := dec.Decode(&sr); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErrors(w, http.StatusRequestEntityTooLarge, fieldError("", "The request is larger than 30 MB"))
			return
		}
		writeErrors(w, http.StatusBadRequest, fieldError("", "Bad Request: the body is not valid JSON: "+err.Error()))
		return
	}
	if errs := validate(sr); len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}

	id, err := messageID()
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, fieldError("", "cannot make a message ID: "+err.Error()))
		return
	}
	log := r.logger().With("x_message_id", id, "categories", strings.Join(sr.Categories, ","))
	if sr.MailSettings != nil && sr.MailSettings.SandboxMode != nil && sr.MailSettings.SandboxMode.Enable {
		// SendGrid's sandbox validates and answers 200 without delivering.
		log.Info("sandbox mode: validated, not relayed")
		w.Header().Set("X-Message-Id", id)
		w.WriteHeader(http.StatusOK)
		return
	}

	ctx, cancel := context.WithTimeout(req.Context(), r.timeout())
	defer cancel()
	for i, p := range sr.Personalizations {
		msg, rcpts, err := r.compose(sr, p, fmt.Sprintf("%s.%d", id, i))
		if err != nil {
			writeErrors(w, http.StatusBadRequest, fieldError(fmt.Sprintf("personalizations.%d", i), err.Error()))
			return
		}
		if err := r.deliver(ctx, sr.From.Email, rcpts, msg); err != nil {
			log.Error("SMTP relay failed", "smtp", r.SMTPAddr, "error", err)
			// A 5xx, as SendGrid answers when it cannot take the mail now:
			// the sender retries.
			writeErrors(w, http.StatusServiceUnavailable, fieldError("", fmt.Sprintf("relay to SMTP server %s failed: %v", r.SMTPAddr, err)))
			return
		}
		log.Info("relayed", "personalization", i, "recipients", len(rcpts), "smtp", r.SMTPAddr)
		r.Events.delivered(sr, p, id, r.now())
	}
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

func (r *Relay) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 30 * time.Second
}

func (r *Relay) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// validate checks a request the way SendGrid does, in the points a sender
// can get wrong, with SendGrid's messages and field paths.
func validate(sr sendRequest) []apiError {
	var errs []apiError
	if len(sr.Personalizations) == 0 {
		errs = append(errs, fieldError("personalizations", "The personalizations field is required and must have at least one personalization."))
	}
	if len(sr.Personalizations) > 1000 {
		errs = append(errs, fieldError("personalizations", "The personalizations field may have at most 1000 personalizations."))
	}
	for i, p := range sr.Personalizations {
		if len(p.To) == 0 {
			errs = append(errs, fieldError(fmt.Sprintf("personalizations.%d.to", i),
				"The to array is required for all personalization objects, and must have at least one email object with a valid email address."))
		}
		for kind, list := range map[string][]address{"to": p.To, "cc": p.Cc, "bcc": p.Bcc} {
			for j, a := range list {
				if !validEmail(a.Email) {
					errs = append(errs, fieldError(fmt.Sprintf("personalizations.%d.%s.%d.email", i, kind, j), "Does not contain a valid address."))
				}
			}
		}
		if sr.Subject == "" && p.Subject == "" {
			errs = append(errs, fieldError("subject",
				"The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."))
		}
	}
	if sr.From == nil || sr.From.Email == "" {
		errs = append(errs, fieldError("from.email",
			"The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter."))
	} else if !validEmail(sr.From.Email) {
		errs = append(errs, fieldError("from.email", "The from email does not contain a valid address."))
	}
	if sr.ReplyTo != nil && !validEmail(sr.ReplyTo.Email) {
		errs = append(errs, fieldError("reply_to.email", "The reply_to email does not contain a valid address."))
	}
	if len(sr.Content) == 0 {
		errs = append(errs, fieldError("content",
			"Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block."))
	}
	for i, c := range sr.Content {
		if c.Value == "" {
			errs = append(errs, fieldError(fmt.Sprintf("content.%d.value", i), "The content value must be a string at least one character in length."))
		}
		if _, _, err := mime.ParseMediaType(c.Type); err != nil || strings.ContainsAny(c.Type, "\r\n") {
			errs = append(errs, fieldError(fmt.Sprintf("content.%d.type", i), "The content type is not a valid MIME type."))
		}
	}
	if !contentOrderOK(sr.Content) {
		errs = append(errs, fieldError("content",
			"The text/plain content type must be first, followed by the text/html content type, followed by any other content."))
	}
	for i, a := range sr.Attachments {
		if _, err := base64.StdEncoding.DecodeString(a.Content); err != nil || a.Content == "" {
			errs = append(errs, fieldError(fmt.Sprintf("attachments.%d.content", i), "The attachment content must be base64 encoded."))
		}
		if a.Filename == "" || strings.ContainsAny(a.Filename, "\r\n") {
			errs = append(errs, fieldError(fmt.Sprintf("attachments.%d.filename", i), "The attachment filename parameter is required."))
		}
		if _, _, err := mime.ParseMediaType(a.Type); a.Type != "" && (err != nil || strings.ContainsAny(a.Type, "\r\n")) {
			errs = append(errs, fieldError(fmt.Sprintf("attachments.%d.type", i), "The attachment type is not a valid MIME type."))
		}
	}
	// Duplicated subject errors (one per personalization) say nothing new.
	return dedupe(errs)
}

func contentOrderOK(cs []content) bool {
	rank := func(t string) int {
		mt, _, _ := mime.ParseMediaType(t)
		switch mt {
		case "text/plain":
			return 0
		case "text/html":
			return 1
		}
		return 2
	}
	for i := 1; i < len(cs); i++ {
		if rank(cs[i].Type) < rank(cs[i-1].Type) {
			return false
		}
	}
	return true
}

func dedupe(errs []apiError) []apiError {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		k := e.Message
		if e.Field != nil {
			k = *e.Field + "\x00" + k
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return fieldOf(out[i]) < fieldOf(out[j]) })
	return out
}

func fieldOf(e apiError) string {
	if e.Field == nil {
		return ""
	}
	return *e.Field
}

// validEmail accepts a bare address (no display name), as SendGrid's email
// fields are.
func validEmail(s string) bool {
	if s == "" || strings.ContainsAny(s, "\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// messageID makes an ID shaped like SendGrid's X-Message-Id (22 URL-safe
// characters).
func messageID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// compose builds the RFC 5322 message for one personalization and returns
// it with its envelope recipients (to, cc and bcc).
func (r *Relay) compose(sr sendRequest, p personalization, id string) ([]byte, []string, error) {
	subject := sr.Subject
	if p.Subject != "" {
		subject = p.Subject
	}
	var rcpts []string
	for _, list := range [][]address{p.To, p.Cc, p.Bcc} {
		for _, a := range list {
			rcpts = append(rcpts, a.Email)
		}
	}

	var b bytes.Buffer
	h := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	h("From", formatAddress(*sr.From))
	h("To", formatList(p.To))
	if len(p.Cc) > 0 {
		h("Cc", formatList(p.Cc))
	}
	if sr.ReplyTo != nil && sr.ReplyTo.Email != "" {
		h("Reply-To", formatAddress(*sr.ReplyTo))
	}
	h("Subject", encodeHeader(subject))
	h("Date", r.now().Format(time.RFC1123Z))
	h("Message-ID", "<"+id+"@sendgrid-relay.invalid>")
	h("MIME-Version", "1.0")
	h("X-Message-Id", id)
	if len(sr.Categories) > 0 {
		// Mailpit shows X-Tags as tags on the message.
		h("X-Tags", encodeHeader(strings.Join(sr.Categories, ", ")))
	}
	// A personalization's custom_args override the message's.
	args := map[string]string{}
	maps.Copy(args, sr.CustomArgs)
	maps.Copy(args, p.CustomArgs)
	if len(args) > 0 {
		j, err := json.Marshal(args) // sorted keys
		if err != nil {
			return nil, nil, err
		}
		h("X-Custom-Args", encodeHeader(string(j)))
	}

	if len(sr.Attachments) == 0 {
		if err := writeBodies(&b, sr.Content, h); err != nil {
			return nil, nil, err
		}
		return b.Bytes(), rcpts, nil
	}
	// With attachments: multipart/mixed, the bodies first, then each file.
	mixed := multipart.NewWriter(&b)
	h("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")
	var bodies bytes.Buffer
	var bodyHeader textproto.MIMEHeader
	if err := writeBodies(&bodies, sr.Content, func(name, value string) {
		if bodyHeader == nil {
			bodyHeader = textproto.MIMEHeader{}
		}
		bodyHeader.Set(name, value)
	}); err != nil {
		return nil, nil, err
	}
	pw, err := mixed.CreatePart(bodyHeader)
	if err != nil {
		return nil, nil, err
	}
	// writeBodies wrote a blank line and the body after the header it set.
	pw.Write(bytes.TrimPrefix(bodies.Bytes(), []byte("\r\n")))
	for _, a := range sr.Attachments {
		if err := writeAttachment(mixed, a); err != nil {
			return nil, nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), rcpts, nil
}

// writeBodies writes the content: one part, or multipart/alternative with
// text/plain first. h sets the enclosing header's Content-Type (and
// encoding); the body follows a blank line.
func writeBodies(b *bytes.Buffer, cs []content, h func(name, value string)) error {
	if len(cs) == 1 {
		hdr := partHeader(cs[0])
		h("Content-Type", hdr.Get("Content-Type"))
		h("Content-Transfer-Encoding", hdr.Get("Content-Transfer-Encoding"))
		b.WriteString("\r\n")
		return writeBody(b, cs[0].Value)
	}
	mw := multipart.NewWriter(b)
	h("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	for _, c := range cs {
		pw, err := mw.CreatePart(partHeader(c))
		if err != nil {
			return err
		}
		if err := writeBody(pw, c.Value); err != nil {
			return err
		}
	}
	return mw.Close()
}

// writeAttachment adds one file, base64 in lines of 76 characters.
func writeAttachment(mw *multipart.Writer, a attachment) error {
	raw, err := base64.StdEncoding.DecodeString(a.Content)
	if err != nil {
		return fmt.Errorf("attachment %q: content is not base64: %w", a.Filename, err)
	}
	typ := a.Type
	if typ == "" {
		typ = "application/octet-stream"
	}
	disp := a.Disposition
	if disp == "" {
		disp = "attachment"
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Type", typ)
	hdr.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": a.Filename}))
	hdr.Set("Content-Transfer-Encoding", "base64")
	pw, err := mw.CreatePart(hdr)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		io.WriteString(pw, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	_, err = io.WriteString(pw, enc+"\r\n")
	return err
}

// partHeader gives a body part its UTF-8 content type and quoted-printable
// transfer encoding.
func partHeader(c content) textproto.MIMEHeader {
	mt, params, err := mime.ParseMediaType(c.Type)
	if err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "text/") {
		params["charset"] = "utf-8"
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Type", mime.FormatMediaType(mt, params))
	hdr.Set("Content-Transfer-Encoding", "quoted-printable")
	return hdr
}

func writeBody(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	return qp.Close()
}

// encodeHeader makes a header value 7-bit: RFC 2047 encoded words where
// needed, folded between words so no line grows beyond what SMTP allows.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	// mime splits long text into several encoded words joined by spaces;
	// fold there (RFC 2047 §2: an encoded word is at most 75 characters).
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

func formatAddress(a address) string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

func formatList(as []address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = formatAddress(a)
	}
	return strings.Join(parts, ",\r\n ")
}

// deliver speaks SMTP to the configured server: one message, its envelope
// sender and recipients, within the relay's timeout.
func (r *Relay) deliver(ctx context.Context, from string, rcpts []string, msg []byte) error {
	d := net.Dialer{Timeout: r.timeout()}
	conn, err := d.DialContext(ctx, "tcp", r.SMTPAddr)
	if err != nil {
		return err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(r.timeout())
	}
	conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(r.SMTPAddr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	helo := r.Helo
	if helo == "" {
		helo = "sendgrid-relay"
	}
	if err := c.Hello(helo); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, rc := range rcpts {
		if err := c.Rcpt(rc); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", rc, err)
		}
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := wc.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return c.Quit()
}
