-- Issue 9: sessions that know their person, and exports whose bytes expire.

-- Sessions in a table of our own (src/server/session_store.rs): the person a session
-- belongs to is a column, so disabling someone deletes every session of theirs in one
-- statement, and the data is readable JSON rather than an opaque blob. Sessions in the
-- old table can't be tied to a person, so they end here: everyone signs in once more.
CREATE TABLE auth_sessions (
    id          text PRIMARY KEY,
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    data        jsonb NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX auth_sessions_expiry ON auth_sessions (expiry_date);
DROP SCHEMA IF EXISTS tower_sessions CASCADE;

-- An export's bytes are deleted when it expires (a background worker); the row stays as
-- the record of what was exported, with its checksum and manifest.
ALTER TABLE tenant_exports ALTER COLUMN bytes DROP NOT NULL;
ALTER TABLE tenant_exports ADD COLUMN purged_at timestamptz;
ALTER TABLE tenant_exports ADD CONSTRAINT tenant_exports_purged
    CHECK ((purged_at IS NULL) = (bytes IS NOT NULL));
CREATE INDEX tenant_exports_expiring ON tenant_exports (expires_at) WHERE purged_at IS NULL;

-- Invitation mail is rate-limited per tenant: counted from these audit events.
CREATE INDEX audit_events_invitation_mail ON audit_events (tenant_id, occurred_at)
    WHERE action IN ('invitation.created', 'invitation.resent');
