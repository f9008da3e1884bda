-- +goose Up
-- The run is part of every side effect's identity. A rollout cancelled and
-- started again for the same municipality and wave is a new run with the
-- same workflow ID: without the run in the keys, its invitation read
-- "already sent" and its premium "already paid". run_id holds the run's
-- first run ID (workflow.Info.FirstRunID: a reset keeps it, a new start
-- does not); '' marks rows written before this migration.
ALTER TABLE outbox ADD COLUMN run_id text NOT NULL DEFAULT '';
ALTER TABLE outbox DROP CONSTRAINT outbox_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_key UNIQUE (workflow_id, run_id, template, step, occurrence);

ALTER TABLE payments ADD COLUMN run_id text NOT NULL DEFAULT '';
ALTER TABLE payments DROP CONSTRAINT payments_once;
ALTER TABLE payments ADD CONSTRAINT payments_once UNIQUE (workflow_id, run_id, kind);

-- +goose Down
ALTER TABLE payments DROP CONSTRAINT payments_once;
ALTER TABLE payments ADD CONSTRAINT payments_once UNIQUE (workflow_id, kind);
ALTER TABLE payments DROP COLUMN run_id;
ALTER TABLE outbox DROP CONSTRAINT outbox_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_key UNIQUE (workflow_id, template, step, occurrence);
ALTER TABLE outbox DROP COLUMN run_id;
