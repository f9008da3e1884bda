-- +goose Up
-- Retention and erasure. An e-mail's subject and body (names, reasons) are
-- blanked a configurable number of days after it went out (purged_at); the
-- row itself stays, since its key keeps the e-mail from going out twice.
-- starter privacy erase blanks a person's address too (erased_at).
ALTER TABLE outbox ADD COLUMN purged_at timestamptz;
ALTER TABLE outbox ADD COLUMN erased_at timestamptz;
-- The daily purge looks for handled e-mails not purged yet.
CREATE INDEX outbox_to_purge ON outbox (updated_at) WHERE purged_at IS NULL AND status IN ('sent', 'logged');
-- Privacy export and erasure look people up by address.
CREATE INDEX outbox_recipient ON outbox (lower(recipient));

-- +goose Down
DROP INDEX outbox_recipient;
DROP INDEX outbox_to_purge;
ALTER TABLE outbox DROP COLUMN erased_at;
ALTER TABLE outbox DROP COLUMN purged_at;
