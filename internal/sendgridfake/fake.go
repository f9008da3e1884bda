// Package sendgridfake is a local stand-in for SendGrid's v3 mail API: it
// checks what it receives like SendGrid would (content order, recipients),
// records each accepted mail, and can be told to fail, so tests assert what
// a recipient would get.
package sendgridfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mail is one accepted request, decoded.
type Mail struct {
	MessageID  string
	APIKey     string
	From       string
	ReplyTo    string
	To         []string
	Subject    string
	Text       string
	HTML       string
	Categories []string
	CustomArgs map[string]string
	Sandbox    bool
	// Attachments, decoded from base64 as the recipient gets them.
	Attachments []Attachment
	Received    time.Time
}

// Attachment is one attached file.
type Attachment struct {
	Filename    string
	Type        string
	Disposition string
	Content     []byte
}

// Key is the outbox identity the worker sends as custom args.
func (m Mail) Key() string {
	return strings.Join([]string{m.CustomArgs["workflow_id"], m.CustomArgs["run_id"], m.CustomArgs["template"], m.CustomArgs["step"], m.CustomArgs["occurrence"]}, "|")
}

// Response is a scripted answer; Delay makes it slow, Drop closes the
// connection without an answer. AcceptThenDrop accepts the mail and then
// closes the connection: the sender never learns that SendGrid has it.
type Response struct {
	Status         int
	Header         map[string]string
	Body           string
	Delay          time.Duration
	Drop           bool
	AcceptThenDrop bool
}

// Server is the stand-in.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	mails    []Mail
	script   []Response
	fail     func(n int) *Response // optional: decides per request number
	requests int
	nextID   int
	// noActivityAPI answers the Email Activity API with 403, as SendGrid
	// does for an account without the add-on.
	noActivityAPI bool
}

// WithoutActivityAPI makes the Email Activity API answer 403.
func (s *Server) WithoutActivityAPI() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noActivityAPI = true
}

// New starts a stand-in that accepts everything until told otherwise.
func New() *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Script queues answers for the next requests, in order; after them every
// request is accepted again.
func (s *Server) Script(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, rs...)
}

// FailWith decides per request (numbered from 1) whether to fail; nil accepts.
func (s *Server) FailWith(f func(n int) *Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Mails returns the accepted mails.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Requests counts every request, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// WaitFor polls until cond holds over the accepted mails or the timeout ends.
func (s *Server) WaitFor(timeout time.Duration, cond func([]Mail) bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond(s.Mails()) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type address struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type request struct {
	Personalizations []struct {
		To         []address         `json:"to"`
		CustomArgs map[string]string `json:"custom_args"`
	} `json:"personalizations"`
	From    address  `json:"from"`
	ReplyTo *address `json:"reply_to"`
	Subject string   `json:"subject"`
	Content []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"content"`
	Categories  []string `json:"categories"`
	Attachments []struct {
		Content     string `json:"content"`
		Type        string `json:"type"`
		Filename    string `json:"filename"`
		Disposition string `json:"disposition"`
	} `json:"attachments"`
	MailSettings *struct {
		SandboxMode *struct {
			Enable bool `json:"enable"`
		} `json:"sandbox_mode"`
	} `json:"mail_settings"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	n := s.requests
	var scripted *Response
	if len(s.script) > 0 {
		scripted = &s.script[0]
		s.script = s.script[1:]
	} else if s.fail != nil {
		scripted = s.fail(n)
	}
	s.mu.Unlock()

	// Read the whole request first, as SendGrid does before it answers: only
	// once the body is consumed does net/http watch the connection, so that
	// a client that dies during a slow answer cancels r.Context() (below).
	body, readErr := io.ReadAll(r.Body)
	if scripted != nil {
		if scripted.Delay > 0 {
			select {
			case <-time.After(scripted.Delay):
			case <-r.Context().Done():
				return // the client is gone: nobody receives an answer
			}
		}
		if scripted.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		if scripted.Status != 0 && !scripted.AcceptThenDrop {
			for k, v := range scripted.Header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(scripted.Status)
			io.WriteString(w, scripted.Body)
			return
		}
	}

	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if key == "" {
		http.Error(w, `{"errors":[{"message":"authorization required"}]}`, http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/v3/messages" {
		s.messages(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" {
		http.Error(w, `{"errors":[{"message":"not found"}]}`, http.StatusNotFound)
		return
	}
	if readErr != nil {
		http.Error(w, fmt.Sprintf(`{"errors":[{"message":%q}]}`, "reading the request: "+readErr.Error()), http.StatusBadRequest)
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, fmt.Sprintf(`{"errors":[{"message":%q}]}`, "bad JSON: "+err.Error()), http.StatusBadRequest)
		return
	}
	m, problem := decode(req)
	if problem != "" {
		http.Error(w, fmt.Sprintf(`{"errors":[{"message":%q}]}`, problem), http.StatusBadRequest)
		return
	}
	// A client that gave up (timed out, or was killed) during a slow answer
	// never learns of the mail: count it as not accepted, as a proxy or load
	// balancer in front of SendGrid would drop it.
	if r.Context().Err() != nil {
		return
	}
	m.APIKey = key
	m.Received = time.Now()
	s.mu.Lock()
	s.nextID++
	m.MessageID = fmt.Sprintf("fake-%06d", s.nextID)
	s.mails = append(s.mails, m)
	s.mu.Unlock()
	if scripted != nil && scripted.AcceptThenDrop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	w.Header().Set("X-Message-Id", m.MessageID)
	w.WriteHeader(http.StatusAccepted)
}

// uniqueArg is one term of an Email Activity query: unique_args['k']="v".
var uniqueArg = regexp.MustCompile(`unique_args\['([^']*)'\]\s*=\s*"((?:[^"\\]|\\.)*)"`)

// messages answers SendGrid's Email Activity API (GET /v3/messages) for
// queries that AND unique_args terms, the only kind the worker sends.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noActivityAPI {
		http.Error(w, `{"errors":[{"field":null,"message":"access forbidden"}]}`, http.StatusForbidden)
		return
	}
	q := r.URL.Query().Get("query")
	terms := uniqueArg.FindAllStringSubmatch(q, -1)
	if len(terms) == 0 || len(terms) != strings.Count(q, "unique_args") {
		http.Error(w, fmt.Sprintf(`{"errors":[{"message":%q}]}`, "unsupported query: "+q), http.StatusBadRequest)
		return
	}
	type message struct {
		MsgID   string `json:"msg_id"`
		ToEmail string `json:"to_email"`
		Subject string `json:"subject"`
		Status  string `json:"status"`
	}
	out := struct {
		Messages []message `json:"messages"`
	}{Messages: []message{}}
	for _, m := range s.mails {
		match := true
		for _, t := range terms {
			v, err := strconv.Unquote(`"` + t[2] + `"`)
			if err != nil || m.CustomArgs[t[1]] != v {
				match = false
				break
			}
		}
		if match {
			out.Messages = append(out.Messages, message{MsgID: m.MessageID + ".filter0001", ToEmail: m.To[0], Subject: m.Subject, Status: "delivered"})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// decode checks a request as SendGrid does, in the points the worker relies on.
func decode(req request) (Mail, string) {
	var m Mail
	if len(req.Personalizations) != 1 || len(req.Personalizations[0].To) == 0 {
		return m, "exactly one personalization with a recipient expected"
	}
	if req.From.Email == "" || req.Subject == "" {
		return m, "from and subject are required"
	}
	for _, to := range req.Personalizations[0].To {
		if !strings.Contains(to.Email, "@") || strings.HasSuffix(to.Email, ".invalid") {
			return m, "Does not contain a valid address: " + to.Email
		}
		m.To = append(m.To, to.Email)
	}
	if len(req.Content) != 2 || req.Content[0].Type != "text/plain" || req.Content[1].Type != "text/html" {
		return m, "content must be text/plain followed by text/html"
	}
	m.From = req.From.Email
	if req.ReplyTo != nil {
		m.ReplyTo = req.ReplyTo.Email
	}
	m.Subject = req.Subject
	m.Text = req.Content[0].Value
	m.HTML = req.Content[1].Value
	m.Categories = req.Categories
	m.CustomArgs = req.Personalizations[0].CustomArgs
	m.Sandbox = req.MailSettings != nil && req.MailSettings.SandboxMode != nil && req.MailSettings.SandboxMode.Enable
	for i, a := range req.Attachments {
		// SendGrid's own checks: base64 content and a file name are required.
		b, err := base64.StdEncoding.DecodeString(a.Content)
		if err != nil || a.Content == "" {
			return m, fmt.Sprintf("attachments.%d.content: The attachment content must be base64 encoded.", i)
		}
		if a.Filename == "" {
			return m, fmt.Sprintf("attachments.%d.filename: The attachment filename parameter is required.", i)
		}
		if _, _, err := mime.ParseMediaType(a.Type); a.Type != "" && (err != nil || strings.ContainsAny(a.Type, "\r\n")) {
			return m, fmt.Sprintf("attachments.%d.type: The attachment type is not a valid MIME type.", i)
		}
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Filename, Type: a.Type, Disposition: a.Disposition, Content: b})
	}
	return m, ""
}

// Unreliable is a FailWith policy for fault suites: of every hundred
// requests, by a generator seeded with seed (the same sequence every run),
// about 8 are throttled (429 with Retry-After: 1), 6 fail (500), 4 answer
// after 1.5 s and are accepted, 3 lose their connection; the rest pass.
func Unreliable(seed uint64) func(n int) *Response {
	rng := rand.New(rand.NewPCG(seed, 7))
	var mu sync.Mutex
	return func(int) *Response {
		mu.Lock()
		defer mu.Unlock()
		switch x := rng.IntN(100); {
		case x < 8:
			return &Response{Status: 429, Header: map[string]string{"Retry-After": "1"}}
		case x < 14:
			return &Response{Status: 500}
		case x < 18:
			return &Response{Delay: 1500 * time.Millisecond}
		case x < 21:
			return &Response{Drop: true}
		}
		return nil
	}
}
