-- +goose Up
-- A send attempt claims its e-mail in a short transaction of its own, sends
-- outside any transaction, then records the outcome: a PostgreSQL outage or
-- a dead worker during the send no longer rolls the claim back.
-- sending: an attempt holds the row until claimed_until, or (claimed_until
-- NULL or past) an attempt ended without knowing whether SendGrid accepted:
-- the next attempt asks SendGrid before it sends again.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'logged', 'failed'));
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;

-- +goose Down
UPDATE outbox SET status = 'pending' WHERE status = 'sending';
ALTER TABLE outbox DROP COLUMN claimed_until;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sent', 'logged', 'failed'));
