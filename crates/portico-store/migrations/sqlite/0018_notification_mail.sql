-- E-mail for notices (SPEC 3.4, 4): each notice's e-mail state, settled by
-- the digest job in the transaction that queues the digest mail.
--   pending    not yet looked at by a digest
--   sent       listed in a digest mail (`emailed_at`: when it was queued)
--   dropped    the recipient could not view it at digest time: never mailed
--   opted_out  the recipient's preference was "never" at digest time
--   immediate  a kind mailed when it happens (guests.added), not digested
-- Notices written before this migration predate e-mail: never mailed.
ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE notifications ADD COLUMN emailed_at TEXT;
UPDATE notifications SET email_state = 'opted_out';
CREATE INDEX notifications_email_pending ON notifications(recipient_id, id) WHERE email_state = 'pending';

-- A person's notification settings; no row means the defaults (batched mail).
CREATE TABLE notification_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- batched | never
    email TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
