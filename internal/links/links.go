// Package links keeps the personal task links that e-mails to a
// municipality, a producer or a teacher carry (persoonlijke link): the
// console's task pages open with them. A link's token (256 random bits) is
// sent once and stored only as its SHA-256 hash. A link opens one rollout's
// task page for one party (one teacher), as long as that run of the rollout
// runs and staff have not revoked it.
package links

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/stichtingbmp/amwaht/internal/plan"
	"github.com/stichtingbmp/amwaht/internal/secret"
)

// ErrInvalid: the link is unknown (forged, mistyped), revoked, or its
// rollout has ended or was started again. Callers answer all of these the
// same way, so the answer tells nothing about which.
var ErrInvalid = errors.New("the task link is not valid (unknown, revoked, or its rollout has ended)")

// RevokedKeep is how long a revoked link's row stays (it still shows when
// it was last used), before Purge deletes it.
const RevokedKeep = 30 * 24 * time.Hour

// Grant is what a new link opens.
type Grant struct {
	WorkflowID string // the rollout; a cohort's ID is taken to its rollout's
	// RunID is the rollout's first run ID; empty when the e-mail came from
	// the cohort (which knows only its own run).
	RunID    string
	Party    plan.Party // municipality, producer or teacher
	Teacher  string     // the teacher's ID, for a teacher's link
	OutboxID int64      // the e-mail that carries it; 0: none
}

// Link is a stored link (never its token).
type Link struct {
	Hash       []byte        `db:"hash"`
	WorkflowID string        `db:"workflow_id"`
	RunID      string        `db:"run_id"`
	Party      plan.Party    `db:"party"`
	Teacher    string        `db:"teacher"`
	OutboxID   sql.NullInt64 `db:"outbox_id"`
	CreatedAt  time.Time     `db:"created_at"`
	RevokedAt  *time.Time    `db:"revoked_at"`
	LastUsedAt *time.Time    `db:"last_used_at"`
}

// Key names the link in a session: the hex of its hash, never the token.
func (l Link) Key() string { return hex.EncodeToString(l.Hash) }

// Run is what the caller knows of a rollout's current execution.
type Run struct {
	FirstRunID string
	Started    time.Time
	Running    bool
}

// Runs tells how a rollout's current execution stands (the console asks
// Temporal); a rollout that never ran is a Run that does not run.
type Runs func(ctx context.Context, workflowID string) (Run, error)

// opens tells whether a link belongs to the run: its own run, or for a
// link from a cohort's e-mail, one issued since the run started.
func (l Link) opens(r Run) bool {
	if !r.Running {
		return false
	}
	if l.RunID != "" {
		return l.RunID == r.FirstRunID
	}
	return !l.CreatedAt.Before(r.Started)
}

// Store reads and writes links.
type Store struct{ DB *sqlx.DB }

// rolloutOf is the rollout a workflow ID belongs to: a cohort's link opens
// its rollout's page.
func rolloutOf(id string) string { return strings.TrimSuffix(id, "-cohort") }

// Issue makes a link and returns its token, which the caller sends and
// forgets.
func (s Store) Issue(ctx context.Context, g Grant, now time.Time) (string, error) {
	switch g.Party {
	case plan.PartyMunicipality, plan.PartyProducer:
		g.Teacher = ""
	case plan.PartyTeacher:
		if !plan.ValidRef(g.Teacher) {
			return "", fmt.Errorf("a teacher's link names the teacher's ID")
		}
	default:
		return "", fmt.Errorf("no task links for party %q", g.Party)
	}
	token, err := secret.New()
	if err != nil {
		return "", err
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO task_links (hash, workflow_id, run_id, party, teacher, outbox_id, created_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, 0), $7)`, secret.Hash(token), rolloutOf(g.WorkflowID), g.RunID, g.Party, g.Teacher, g.OutboxID, now)
	if err != nil {
		return "", fmt.Errorf("store task link for the %s of %s: %w", g.Party, g.WorkflowID, err)
	}
	return token, nil
}

// Forget deletes a link that never reached anyone (its e-mail was refused).
func (s Store) Forget(ctx context.Context, token string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM task_links WHERE hash = $1`, secret.Hash(token))
	return err
}

const columns = `hash, workflow_id, run_id, party, teacher, outbox_id, created_at, revoked_at, last_used_at`

// Use opens a link by its token and notes the use.
func (s Store) Use(ctx context.Context, token string, now time.Time, runs Runs) (Link, error) {
	if len(token) > 100 {
		return Link{}, ErrInvalid
	}
	return s.check(ctx, secret.Hash(token), now, runs)
}

// Check opens a link by its hash (as a session names it), on every request
// of a task page: a link revoked or a rollout ended since ends the session.
func (s Store) Check(ctx context.Context, key string, now time.Time, runs Runs) (Link, error) {
	h, err := hex.DecodeString(key)
	if err != nil || len(h) != sha256.Size {
		return Link{}, ErrInvalid
	}
	return s.check(ctx, h, now, runs)
}

func (s Store) check(ctx context.Context, hash []byte, now time.Time, runs Runs) (Link, error) {
	var l Link
	err := s.DB.GetContext(ctx, &l, `SELECT `+columns+` FROM task_links WHERE hash = $1`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrInvalid
	}
	if err != nil {
		return l, fmt.Errorf("read task link: %w", err)
	}
	if l.RevokedAt != nil {
		return l, ErrInvalid
	}
	r, err := runs(ctx, l.WorkflowID)
	if err != nil {
		return l, err
	}
	if !l.opens(r) {
		return l, ErrInvalid
	}
	if _, err := s.DB.ExecContext(ctx, `UPDATE task_links SET last_used_at = $2 WHERE hash = $1`, hash, now); err != nil {
		return l, fmt.Errorf("note the task link's use: %w", err)
	}
	l.LastUsedAt = &now
	return l, nil
}

// Revoke ends the links of a rollout for a party (every party when party
// is empty) and returns how many it ended. Pages opened with them close at
// their next request.
func (s Store) Revoke(ctx context.Context, workflowID string, party plan.Party, now time.Time) (int, error) {
	r, err := s.DB.ExecContext(ctx, `UPDATE task_links SET revoked_at = $3
		WHERE workflow_id = $1 AND ($2 = '' OR party = $2) AND revoked_at IS NULL`, rolloutOf(workflowID), party, now)
	if err != nil {
		return 0, fmt.Errorf("revoke the task links of %s: %w", workflowID, err)
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// PartyLinks sums up a party's links on a rollout.
type PartyLinks struct {
	Party    plan.Party `db:"party" json:"party"`
	Active   int        `db:"active" json:"active"`
	Revoked  int        `db:"revoked" json:"revoked"`
	LastUsed *time.Time `db:"last_used" json:"lastUsed,omitempty"`
}

// Summary counts a rollout's links per party, in the order of the parties.
func (s Store) Summary(ctx context.Context, workflowID string) ([]PartyLinks, error) {
	var out []PartyLinks
	err := s.DB.SelectContext(ctx, &out, `SELECT party,
			count(*) FILTER (WHERE revoked_at IS NULL) AS active,
			count(*) FILTER (WHERE revoked_at IS NOT NULL) AS revoked,
			max(last_used_at) AS last_used
		FROM task_links WHERE workflow_id = $1 GROUP BY party
		ORDER BY CASE party WHEN 'municipality' THEN 1 WHEN 'producer' THEN 2 ELSE 3 END`, rolloutOf(workflowID))
	if err != nil {
		return nil, fmt.Errorf("count the task links of %s: %w", workflowID, err)
	}
	return out, nil
}

// Open lists the rollouts that have links not revoked, for the purge to ask
// which have ended.
func (s Store) Open(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.DB.SelectContext(ctx, &ids, `SELECT DISTINCT workflow_id FROM task_links WHERE revoked_at IS NULL ORDER BY workflow_id`)
	if err != nil {
		return nil, fmt.Errorf("list rollouts with task links: %w", err)
	}
	return ids, nil
}

// Purge deletes links revoked before the moment given.
func (s Store) Purge(ctx context.Context, before time.Time) (int, error) {
	r, err := s.DB.ExecContext(ctx, `DELETE FROM task_links WHERE revoked_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("purge task links: %w", err)
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// EndRuns revokes the links of every rollout that no longer runs (ended, or
// started again: the new run's links stay), then purges those revoked
// before RevokedKeep. It returns how many it revoked and deleted.
func (s Store) EndRuns(ctx context.Context, now time.Time, runs Runs) (revoked, deleted int, err error) {
	ids, err := s.Open(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		r, err := runs(ctx, id)
		if err != nil {
			return revoked, deleted, err
		}
		res, err := s.DB.ExecContext(ctx, `UPDATE task_links SET revoked_at = $2
			WHERE workflow_id = $1 AND revoked_at IS NULL
			  AND NOT ($3 AND (run_id = $4 OR (run_id = '' AND created_at >= $5)))`, id, now, r.Running, r.FirstRunID, r.Started)
		if err != nil {
			return revoked, deleted, fmt.Errorf("revoke the task links of ended rollout %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		revoked += int(n)
	}
	deleted, err = s.Purge(ctx, now.Add(-RevokedKeep))
	return revoked, deleted, err
}
