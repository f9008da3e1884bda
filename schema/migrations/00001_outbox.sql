-- +goose Up
-- The outbox makes every task e-mail exactly-once: its key is the e-mail's
-- identity in the rollout, so a retried or replayed activity finds the row
-- and sends nothing again.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    workflow_id  text        NOT NULL,
    template     text        NOT NULL,
    step         text        NOT NULL,
    occurrence   integer     NOT NULL,
    recipient    text        NOT NULL,
    role         text        NOT NULL,
    subject      text        NOT NULL,
    body_text    text        NOT NULL,
    body_html    text        NOT NULL,
    -- pending: claimed, not yet accepted by SendGrid; sent: accepted;
    -- logged: development mode, rendered and stored but deliberately not sent;
    -- failed: refused for good (e.g. an invalid address) until staff correct it.
    status       text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'logged', 'failed')),
    message_id   text,
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    CONSTRAINT outbox_key UNIQUE (workflow_id, template, step, occurrence)
);
CREATE INDEX outbox_workflow ON outbox (workflow_id, created_at);

-- +goose Down
DROP TABLE outbox;
