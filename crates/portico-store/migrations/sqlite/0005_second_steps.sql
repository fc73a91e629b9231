-- Second sign-in steps: e-mailed one-time codes (guests) and TOTP (anyone).
-- A session stays pending, worth nothing, until its steps are done.
ALTER TABLE sessions ADD COLUMN pending_step TEXT;
ALTER TABLE sessions ADD COLUMN step_failures INTEGER NOT NULL DEFAULT 0;
-- When the person last proved they read their mail (a code); guests re-prove it
-- every `guests.reverify_days`.
ALTER TABLE users ADD COLUMN email_verified_at TEXT;

-- One-time sign-in codes, hashed; single use, short-lived, attempts counted.
CREATE TABLE email_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT
);
CREATE INDEX email_codes_session ON email_codes(session_id);
CREATE INDEX email_codes_user_created ON email_codes(user_id, created_at);

-- A person's authenticator app secret. Unconfirmed until a first code matches;
-- `last_counter` is the last time step accepted, so no code works twice.
CREATE TABLE totp_credentials (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    confirmed_at TEXT,
    last_counter INTEGER,
    created_at TEXT NOT NULL
);
