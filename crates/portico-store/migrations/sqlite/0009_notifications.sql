-- Watching (SPEC 2.1) and in-product notifications (SPEC 3.4, 4). A watch
-- names a space or a page, never both. A notification keeps ids only (no
-- titles or names): what it shows is read at listing time through the
-- reader's current access set, so nothing it mentions outlives their access.
CREATE TABLE watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    page_id INTEGER REFERENCES pages(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    CHECK ((space_id IS NULL) <> (page_id IS NULL))
);
CREATE UNIQUE INDEX watches_user_space ON watches(user_id, space_id) WHERE space_id IS NOT NULL;
CREATE UNIQUE INDEX watches_user_page ON watches(user_id, page_id) WHERE page_id IS NOT NULL;
CREATE INDEX watches_space ON watches(space_id) WHERE space_id IS NOT NULL;
CREATE INDEX watches_page ON watches(page_id) WHERE page_id IS NOT NULL;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- guests.added, page.published, page.updated, comment.created (checked in
    -- the app, so a new kind needs no table rebuild on SQLite)
    kind TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    page_id INTEGER REFERENCES pages(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_recipient ON notifications(recipient_id, id);
