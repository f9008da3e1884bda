-- +goose Up
-- Personal task links (internal/links): every e-mail that asks a
-- municipality, a producer or a teacher to act carries a link to their task
-- page. Only the SHA-256 of the link's token is stored, so a copy of the
-- table opens no page. A link belongs to one rollout (never its cohort), one
-- run of it, one party and, for a teacher, one teacher; it works until the
-- rollout ends or staff revoke it.
CREATE TABLE task_links (
    hash         bytea       PRIMARY KEY,
    workflow_id  text        NOT NULL,
    -- The rollout's first run ID (the outbox's run): a rollout cancelled and
    -- started again is a new run, which the old links do not open. Empty for
    -- a link from a cohort's e-mail: then the link must be younger than the
    -- rollout's run.
    run_id       text        NOT NULL DEFAULT '',
    party        text        NOT NULL CHECK (party IN ('municipality', 'producer', 'teacher')),
    teacher      text        NOT NULL DEFAULT '',
    -- The e-mail that carried the link; NULL for a link asked for on the
    -- task pages (sent apart from the outbox).
    outbox_id    bigint      REFERENCES outbox (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((party = 'teacher') = (teacher <> ''))
);
CREATE INDEX task_links_rollout ON task_links (workflow_id, party) WHERE revoked_at IS NULL;
CREATE INDEX task_links_revoked ON task_links (revoked_at) WHERE revoked_at IS NOT NULL;

-- The task pages' sessions (alexedwards/scs with its PostgreSQL store),
-- apart from the staff's: the token column holds the SHA-256 of the
-- cookie's value; the data names the link's hash and an anti-forgery token.
CREATE TABLE task_sessions (
    token  text        PRIMARY KEY,
    data   bytea       NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX task_sessions_expiry_idx ON task_sessions (expiry);

-- +goose Down
DROP TABLE task_sessions;
DROP TABLE task_links;
