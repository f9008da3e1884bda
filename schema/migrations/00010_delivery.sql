-- +goose Up
-- What became of an e-mail after SendGrid accepted it, from SendGrid's
-- signed Event Webhook (internal/delivery). An e-mail's delivery state is
-- on its outbox row; a failure (bounce, dropped, spamreport) is never
-- overwritten by a later 'delivered', which SendGrid may post out of order.
ALTER TABLE outbox
    ADD COLUMN delivery        text CHECK (delivery IN ('deferred', 'delivered', 'bounce', 'dropped', 'spamreport')),
    ADD COLUMN delivery_reason text,
    ADD COLUMN delivery_at     timestamptz, -- when SendGrid saw the event that set the state
    ADD COLUMN delivered_at    timestamptz,
    ADD COLUMN opened_at       timestamptz, -- open and click tracking, where switched on in SendGrid
    ADD COLUMN clicked_at      timestamptz,
    -- A teacher's ID, so a bounce reaches the teacher's address correction.
    ADD COLUMN recipient_ref   text NOT NULL DEFAULT '',
    -- The calendar invitation and other attachments, kept so that an
    -- e-mail sent again to a corrected address is the same e-mail.
    ADD COLUMN attachments     jsonb,
    -- The occurrence of the e-mail (same workflow, template, step) this
    -- one sends again to a corrected address.
    ADD COLUMN resend_of       integer;

-- Every event once: SendGrid delivers at least once, and its sg_event_id
-- is the unique key. The recipient's address is not copied here: the
-- outbox row has it.
CREATE TABLE delivery_events (
    sg_event_id   text PRIMARY KEY,
    outbox_id     bigint REFERENCES outbox (id) ON DELETE SET NULL,
    event         text        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    reason        text,
    sg_message_id text,
    received_at   timestamptz NOT NULL DEFAULT now(),
    -- A failure of an e-mail that asks someone to act is reported to its
    -- rollout; reported_at is set once the rollout answered (report says how).
    report_needed boolean     NOT NULL DEFAULT false,
    reported_at   timestamptz,
    report        text
);
CREATE INDEX delivery_events_outbox ON delivery_events (outbox_id);
CREATE INDEX delivery_events_unreported ON delivery_events (received_at) WHERE report_needed AND reported_at IS NULL;

-- +goose Down
DROP TABLE delivery_events;
ALTER TABLE outbox
    DROP COLUMN delivery, DROP COLUMN delivery_reason, DROP COLUMN delivery_at, DROP COLUMN delivered_at,
    DROP COLUMN opened_at, DROP COLUMN clicked_at, DROP COLUMN recipient_ref, DROP COLUMN attachments,
    DROP COLUMN resend_of;
