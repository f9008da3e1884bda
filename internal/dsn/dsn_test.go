package dsn

import (
	"errors"
	"strings"
	"testing"
)

// TestRedact: every form libpq and lib/pq accept loses its password and
// keeps the rest, so the message still says where it tried to connect.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://amwaht:s3cr3t@db:5432/amwaht?sslmode=disable":            "postgres://amwaht:xxxxx@db:5432/amwaht?sslmode=disable",
		"postgresql://amwaht:s3cr3t@db/amwaht":                               "postgresql://amwaht:xxxxx@db/amwaht",
		"postgres://amwaht@db/amwaht?password=s3cr3t&sslmode=disable":        "postgres://amwaht@db/amwaht?password=xxxxx&sslmode=disable",
		"postgres://amwaht@db/amwaht?sslmode=verify-full&sslpassword=s3cr3t": "postgres://amwaht@db/amwaht?sslmode=verify-full&sslpassword=xxxxx",
		"POSTGRES://a:s3cr3t@db/x":                                           "postgres://a:xxxxx@db/x",
		"postgres://postgres@127.0.0.1:5432/amwaht?sslmode=disable":          "postgres://postgres@127.0.0.1:5432/amwaht?sslmode=disable",
		"host=db user=amwaht password=s3cr3t dbname=amwaht sslmode=disable":  "host=db user=amwaht password=xxxxx dbname=amwaht sslmode=disable",
		"host=db password = 's3 cr\\'3t' dbname=amwaht":                      "host=db password = xxxxx dbname=amwaht",
		"password=s3cr3t":                 "password=xxxxx",
		"host=db sslpassword=s3cr3t":      "host=db sslpassword=xxxxx",
		"host=db dbname=amwaht":           "host=db dbname=amwaht",
		"host=db garbage password s3cr3t": "host=db xxxxx",
		"postgres://a:s3cr3t@[::1:5432/x": "(unparseable database URL)",
	} {
		got := Redact(in)
		if got != want {
			t.Errorf("Redact(%q)\n got  %q\n want %q", in, got, want)
		}
		if strings.Contains(got, "s3") {
			t.Errorf("Redact(%q) shows the password: %q", in, got)
		}
	}
}

// TestRedactIn: a driver's error that quotes the connection string loses
// the password too, in whichever form it was given.
func TestRedactIn(t *testing.T) {
	for _, conn := range []string{
		"postgres://amwaht:s3cr3t%21@db/amwaht",
		"postgres://amwaht@db/amwaht?password=s3cr3t%21",
		"host=db password='s3cr3t!'",
	} {
		err := errors.New(`pq: cannot parse "s3cr3t!" near s3cr3t%21`)
		if got := RedactIn(err.Error(), conn); strings.Contains(got, "s3cr3t") {
			t.Errorf("RedactIn(…, %q) = %q", conn, got)
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"host=a password=b", "postgres://u:p@h/d?password=q", "password='x y' host=z", "a=b c", "'"} {
		f.Add(s, "s3cr3t")
	}
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		if len(secret) < 3 || strings.IndexFunc(secret, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) >= 0 {
			return
		}
		conn := prefix + " password=" + secret
		if got := Redact(conn); strings.Contains(got, "password="+secret) && !strings.Contains(Mask, secret) {
			t.Errorf("Redact(%q) = %q", conn, got)
		}
	})
}
