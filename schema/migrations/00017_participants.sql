-- +goose Up
-- Participants' details as a producer uploaded them on the task page
-- (internal/participants): the rollout's history holds only their IDs. One
-- row per rollout and participant ID; a second upload of the same ID
-- replaces the details.
CREATE TABLE participants (
    workflow_id    text        NOT NULL,
    participant_id text        NOT NULL CHECK (length(participant_id) BETWEEN 1 AND 20),
    name           text        NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    email          text        NOT NULL DEFAULT '',
    phone          text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, participant_id)
);
CREATE INDEX participants_email ON participants (lower(email)) WHERE email <> '';

-- A person's export (starter privacy export, on the reader login) lists
-- what a producer uploaded about them.
GRANT SELECT ON participants TO amwaht_reader;

-- +goose Down
REVOKE SELECT ON participants FROM amwaht_reader;
DROP TABLE participants;
