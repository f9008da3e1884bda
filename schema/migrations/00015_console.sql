-- +goose Up
-- BMP staff who may sign in to the console, managed with `starter staff`.
-- A removed member keeps their row (their name stays on what they recorded)
-- but can no longer sign in.
CREATE TABLE staff (
    id          bigserial PRIMARY KEY,
    email       text        NOT NULL,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    removed_at  timestamptz
);
CREATE UNIQUE INDEX staff_email ON staff (lower(email)) WHERE removed_at IS NULL;

-- One-time sign-in links: only the SHA-256 of the token is stored, so a
-- copy of the database signs nobody in. A link is used once and lapses.
CREATE TABLE signin_tokens (
    hash        bytea       PRIMARY KEY,
    staff_id    bigint      NOT NULL REFERENCES staff (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX signin_tokens_expiry ON signin_tokens (expires_at);

-- The console's sessions (alexedwards/scs with its PostgreSQL store); the
-- token column holds the SHA-256 of the session cookie's value, not the value.
CREATE TABLE sessions (
    token  text        PRIMARY KEY,
    data   bytea       NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- A person's export (starter privacy export, on the reader login) lists
-- their console account: the reader sees who is staff, never the tokens.
GRANT SELECT (email, name, created_at, removed_at) ON staff TO amwaht_reader;

-- +goose Down
REVOKE SELECT (email, name, created_at, removed_at) ON staff FROM amwaht_reader;
DROP TABLE sessions;
DROP TABLE signin_tokens;
DROP TABLE staff;
