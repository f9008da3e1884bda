// Package staff keeps BMP's staff who may sign in to the console, and their
// one-time sign-in links, in PostgreSQL. A link's token is stored only as its
// SHA-256 hash; it can be used once and lapses after TokenLifetime.
package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/stichtingbmp/amwaht/internal/address"
	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/secret"
)

// TokenLifetime is how long a sign-in link may be used.
const TokenLifetime = 15 * time.Minute

// Member is a staff member who may sign in.
type Member struct {
	ID        int64      `db:"id" json:"id"`
	Email     string     `db:"email" json:"email"`
	Name      string     `db:"name" json:"name"`
	CreatedAt time.Time  `db:"created_at" json:"createdAt"`
	RemovedAt *time.Time `db:"removed_at" json:"removedAt,omitempty"`
}

var (
	// ErrExists: the address already belongs to a staff member.
	ErrExists = errors.New("already a staff member")
	// ErrNotFound: no staff member with that address.
	ErrNotFound = errors.New("no staff member with that address")
	// ErrLinkInvalid: the sign-in link is unknown, used or lapsed.
	ErrLinkInvalid = errors.New("the sign-in link is not valid (unknown, already used, or older than 15 minutes)")
)

// Store reads and writes staff and sign-in tokens.
type Store struct{ DB *sqlx.DB }

// Add makes someone a staff member.
func (s Store) Add(ctx context.Context, email, name string) (Member, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if err := address.Validate(email); err != nil {
		return Member{}, err
	}
	if name == "" || len([]rune(name)) > plan.MaxName {
		return Member{}, fmt.Errorf("give the member's name (1 to %d characters)", plan.MaxName)
	}
	var m Member
	err := s.DB.GetContext(ctx, &m, `INSERT INTO staff (email, name) VALUES ($1, $2) RETURNING id, email, name, created_at, removed_at`, email, name)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return m, fmt.Errorf("%s: %w", email, ErrExists)
	}
	if err != nil {
		return m, fmt.Errorf("add staff member %s: %w", email, err)
	}
	return m, nil
}

// List returns the staff members who may sign in, by name.
func (s Store) List(ctx context.Context) ([]Member, error) {
	var ms []Member
	err := s.DB.SelectContext(ctx, &ms, `SELECT id, email, name, created_at, removed_at FROM staff WHERE removed_at IS NULL ORDER BY lower(name), id`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return ms, nil
}

// Remove stops someone signing in; their name stays on what they recorded,
// and their open sessions end at their next request.
func (s Store) Remove(ctx context.Context, email string) (Member, error) {
	var m Member
	err := s.DB.GetContext(ctx, &m, `UPDATE staff SET removed_at = now() WHERE lower(email) = lower($1) AND removed_at IS NULL
		RETURNING id, email, name, created_at, removed_at`, strings.TrimSpace(email))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%s: %w", email, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("remove staff member %s: %w", email, err)
	}
	return m, nil
}

// ByEmail finds a staff member who may sign in.
func (s Store) ByEmail(ctx context.Context, email string) (Member, error) {
	var m Member
	err := s.DB.GetContext(ctx, &m, `SELECT id, email, name, created_at, removed_at FROM staff WHERE lower(email) = lower($1) AND removed_at IS NULL`, strings.TrimSpace(email))
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	return m, err
}

// ByID finds a staff member who may still sign in.
func (s Store) ByID(ctx context.Context, id int64) (Member, error) {
	var m Member
	err := s.DB.GetContext(ctx, &m, `SELECT id, email, name, created_at, removed_at FROM staff WHERE id = $1 AND removed_at IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	return m, err
}

// IssueLink makes a one-time sign-in token for a member; the caller e-mails
// it and forgets it.
func (s Store) IssueLink(ctx context.Context, m Member, now time.Time) (string, error) {
	token, err := secret.New()
	if err != nil {
		return "", err
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO signin_tokens (hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		secret.Hash(token), m.ID, now, now.Add(TokenLifetime))
	if err != nil {
		return "", fmt.Errorf("store sign-in token: %w", err)
	}
	return token, nil
}

// UseLink spends a sign-in token: it is valid once, within its lifetime, for
// a member not removed since. The UPDATE decides, so two uses at the same
// moment cannot both succeed.
func (s Store) UseLink(ctx context.Context, token string, now time.Time) (Member, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, `UPDATE signin_tokens SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING staff_id`, secret.Hash(token), now)
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, ErrLinkInvalid
	}
	if err != nil {
		return Member{}, fmt.Errorf("use sign-in token: %w", err)
	}
	m, err := s.ByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return m, ErrLinkInvalid
	}
	return m, err
}

// Purge removes sign-in tokens that can no longer be used.
func (s Store) Purge(ctx context.Context, now time.Time) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM signin_tokens WHERE expires_at < $1::timestamptz - interval '1 day'`, now)
	return err
}
