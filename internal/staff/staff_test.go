package staff_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stichtingbmp/amwaht/internal/secret"
	"github.com/stichtingbmp/amwaht/internal/staff"
	"github.com/stichtingbmp/amwaht/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, testenv.Options{})) }

func newStore(t *testing.T) staff.Store {
	t.Helper()
	db := testenv.OpenMigrated(t, testenv.Require(t).NewDatabase(t))
	return staff.Store{DB: db}
}

func TestMembers(t *testing.T) {
	s := newStore(t)
	if _, err := s.Add(t.Context(), "fatma@stichtingbmp.example", "Fatma"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(t.Context(), "FATMA@stichtingbmp.example", "Fatma again"); !errors.Is(err, staff.ErrExists) {
		t.Errorf("the same address twice: %v, want ErrExists", err)
	}
	if _, err := s.Add(t.Context(), "fatma@stichtingbmp", "Fatma"); err == nil {
		t.Error("an address without a domain was accepted")
	}
	if _, err := s.Add(t.Context(), "jan@stichtingbmp.example", strings.Repeat("x", 201)); err == nil {
		t.Error("a name of 201 characters was accepted")
	}
	if _, err := s.Remove(t.Context(), "fatma@stichtingbmp.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByEmail(t.Context(), "fatma@stichtingbmp.example"); !errors.Is(err, staff.ErrNotFound) {
		t.Errorf("a removed member is still found: %v", err)
	}
	// Removed, the address may be given to someone again.
	if _, err := s.Add(t.Context(), "fatma@stichtingbmp.example", "Fatma"); err != nil {
		t.Errorf("re-adding a removed member: %v", err)
	}
}

// TestSignInLinks: a link works once, within 15 minutes, for a member not
// removed since; only its hash is stored.
func TestSignInLinks(t *testing.T) {
	s := newStore(t)
	m, err := s.Add(t.Context(), "fatma@stichtingbmp.example", "Fatma")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token, err := s.IssueLink(t.Context(), m, now)
	if err != nil {
		t.Fatal(err)
	}
	var stored [][]byte
	if err := s.DB.SelectContext(t.Context(), &stored, `SELECT hash FROM signin_tokens`); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || string(stored[0]) != string(secret.Hash(token)) || strings.Contains(string(stored[0]), token) {
		t.Errorf("stored: %x, want only the SHA-256 of the token", stored)
	}
	if got, err := s.UseLink(t.Context(), token, now.Add(14*time.Minute)); err != nil || got.ID != m.ID {
		t.Fatalf("using a fresh link: %+v, %v", got, err)
	}
	if _, err := s.UseLink(t.Context(), token, now.Add(15*time.Minute)); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Errorf("a link used twice: %v", err)
	}

	late, _ := s.IssueLink(t.Context(), m, now)
	if _, err := s.UseLink(t.Context(), late, now.Add(staff.TokenLifetime+time.Second)); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Errorf("a link past its 15 minutes: %v", err)
	}
	if _, err := s.UseLink(t.Context(), "made-up", now); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Errorf("a made-up link: %v", err)
	}

	gone, _ := s.IssueLink(t.Context(), m, now)
	if _, err := s.Remove(t.Context(), m.Email); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseLink(t.Context(), gone, now); !errors.Is(err, staff.ErrLinkInvalid) {
		t.Errorf("the link of a member removed since: %v", err)
	}

	if err := s.Purge(t.Context(), now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.DB.GetContext(t.Context(), &left, `SELECT count(*) FROM signin_tokens`); err != nil || left != 0 {
		t.Errorf("after purging, %d tokens left (%v)", left, err)
	}
}
