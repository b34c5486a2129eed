-- Notifications (PRODUCT.md C5). Per tenant and per person, which kinds of event reach
-- them by which channel; a missing row means the default (in the app: everyone; by email:
-- owners). Both tables hang off the membership, so leaving a tenant ends both.
CREATE TABLE notification_preferences (
    tenant_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    event      text NOT NULL CHECK (event IN ('alerts', 'health', 'billing', 'members', 'lifecycle')),
    email      boolean NOT NULL,
    in_app     boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, event),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);

-- One row per person and event: shown in the notification centre when `in_app`, and
-- emailed by the `notifications` worker when `email_state` is 'pending' (events whose
-- own worker sends a richer email are written with 'none'). `key` makes writing one
-- idempotent (a retried round adds nothing).
CREATE TABLE notifications (
    tenant_id   uuid NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     uuid NOT NULL,
    event       text NOT NULL CHECK (event IN ('alerts', 'health', 'billing', 'members', 'lifecycle')),
    key         text NOT NULL,
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    link        text NOT NULL DEFAULT '',
    in_app      boolean NOT NULL,
    email_state text NOT NULL DEFAULT 'none' CHECK (email_state IN ('none', 'pending', 'sent', 'failed')),
    email_tries integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_id, key),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX notifications_inbox ON notifications (user_id, created_at DESC) WHERE in_app;
CREATE INDEX notifications_unread ON notifications (user_id) WHERE in_app AND read_at IS NULL;
CREATE INDEX notifications_to_mail ON notifications (id) WHERE email_state = 'pending';

-- The notifications worker reads the outbox like the webhook deliverer, with its own mark.
ALTER TABLE outbox ADD COLUMN notified_at timestamptz;
UPDATE outbox SET notified_at = coalesce(delivered_at, now());
CREATE INDEX outbox_unnotified ON outbox (id) WHERE notified_at IS NULL;
