-- +goose Up
-- A premium is paid once per rollout: the unique key, not the caller's care,
-- guarantees it however often the activity is retried.
CREATE TABLE payments (
    id                bigserial PRIMARY KEY,
    workflow_id       text        NOT NULL,
    kind              text        NOT NULL CHECK (kind IN ('premium')),
    municipality_code text        NOT NULL,
    wave              text        NOT NULL,
    organisation      text        NOT NULL,
    amount_cents      bigint      NOT NULL CHECK (amount_cents >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_once UNIQUE (workflow_id, kind)
);

-- +goose Down
DROP TABLE payments;
