// Package dsn masks the secrets of PostgreSQL connection strings in every
// form libpq and lib/pq accept, for messages and logs: URLs
// (postgres://user:secret@host/db), their query parameters
// (?password=secret, ?sslpassword=secret) and key=value strings
// (host=h password='se cret').
package dsn

import (
	"net/url"
	"slices"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

// Redact returns the connection string with every password masked.
func Redact(s string) string {
	if isURL(s) {
		u, err := url.Parse(s)
		if err != nil {
			// url.Parse's errors quote the input, password included.
			return "(unparseable database URL)"
		}
		if u.Opaque != "" {
			return "(unparseable database URL)"
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
		// libpq has no use for a fragment; a path that names a secret is no
		// database name.
		u.Fragment, u.RawFragment = "", ""
		if secretKey(u.Path) {
			u.Path, u.RawPath = "/"+Mask, ""
		}
		q := u.Query()
		masked := false
		for k, vs := range q {
			if secretKey(k) || slices.ContainsFunc(vs, secretKey) {
				q.Set(k, Mask)
				masked = true
			}
		}
		if _, err := url.ParseQuery(u.RawQuery); err != nil {
			return "(unparseable database URL)"
		}
		if masked {
			u.RawQuery = q.Encode()
		}
		out := u.String()
		// Whatever still names a password is something this reading missed.
		if !onlyMasked(out) {
			return "(unparseable database URL)"
		}
		return out
	}
	var b strings.Builder
	for _, p := range pairs(s) {
		b.WriteString(s[p.start:p.valueStart])
		// A value that mentions a password is masked too: better a
		// message short of a word than one with a secret.
		if secretKey(p.key) || secretKey(s[p.valueStart:p.end]) {
			b.WriteString(Mask)
		} else {
			b.WriteString(s[p.valueStart:p.end])
		}
		b.WriteString(s[p.end:p.next])
	}
	return b.String()
}

// RedactIn masks, in a message (an error a driver returned, say), every
// password that the connection string holds.
func RedactIn(msg, connStr string) string {
	for _, secret := range secrets(connStr) {
		if len(secret) >= 3 {
			msg = strings.ReplaceAll(msg, secret, Mask)
		}
	}
	return msg
}

func secrets(s string) []string {
	var out []string
	if isURL(s) {
		u, err := url.Parse(s)
		if err != nil {
			return nil
		}
		if pw, has := u.User.Password(); has {
			out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
		for k, vs := range u.Query() {
			if secretKey(k) {
				for _, v := range vs {
					out = append(out, v, url.QueryEscape(v))
				}
			}
		}
		return out
	}
	for _, p := range pairs(s) {
		if secretKey(p.key) {
			out = append(out, p.value, s[p.valueStart:p.end], url.QueryEscape(p.value))
		}
	}
	return out
}

// onlyMasked tells whether every "password" in s is a query key whose
// value is the mask.
func onlyMasked(s string) bool {
	l := strings.ToLower(s)
	for i := strings.Index(l, "password"); i >= 0; {
		rest := l[i+len("password"):]
		if !strings.HasPrefix(rest, "="+Mask) || (len(rest) > len(Mask)+1 && rest[len(Mask)+1] != '&') {
			return false
		}
		next := strings.Index(rest, "password")
		if next < 0 {
			return true
		}
		i += len("password") + next
	}
	return true
}

func isURL(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// secretKey: password, sslpassword, and any other key that names one.
func secretKey(k string) bool { return strings.Contains(strings.ToLower(k), "password") }

// pair is one key=value of a libpq connection string, by byte offsets:
// s[start:valueStart] is "key = " (with any leading space), s[valueStart:end]
// the value as written (quotes included), s[end:next] what follows.
type pair struct {
	key, value                   string
	start, valueStart, end, next int
}

// pairs splits a key=value connection string the way libpq reads it:
// spaces around '=', values in single quotes with \' and \\ escapes.
// Text it cannot read is kept as one trailing pair without a key, so
// Redact never drops input (nor a secret's neighbour).
func pairs(s string) []pair {
	var out []pair
	i := 0
	for i < len(s) {
		start := i
		for i < len(s) && s[i] == ' ' {
			i++
		}
		k0 := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' {
			i++
		}
		key := s[k0:i]
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) || s[i] != '=' || key == "" {
			// Not key=value: keep the rest as it is, unless it could hide
			// a secret (an unreadable string that mentions one).
			rest := pair{start: start, valueStart: start, end: len(s), next: len(s)}
			if secretKey(s[start:]) {
				rest.key = "password"
			}
			return append(out, rest)
		}
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		vs := i
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for i < len(s) && s[i] != '\'' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
			if i < len(s) {
				i++ // the closing quote
			}
		} else {
			for i < len(s) && s[i] != ' ' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		end := i
		for i < len(s) && s[i] == ' ' {
			i++
		}
		out = append(out, pair{key: key, value: val.String(), start: start, valueStart: vs, end: end, next: i})
	}
	return out
}
