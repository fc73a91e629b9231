-- Trash (SPEC 2.1): what restoring a trashed page needs (its old parent and
-- position, who trashed it and when), and trashed attachments. The old parent
-- carries no foreign key: it may be purged while the page waits in the trash.
CREATE TABLE page_trash (
    page_id INTEGER PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE,
    parent_id INTEGER,
    position INTEGER NOT NULL,
    trashed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    trashed_at TEXT NOT NULL
);
CREATE INDEX page_trash_at ON page_trash(trashed_at, page_id);
-- Pages trashed before this migration: their parent is still `parent_id`.
INSERT INTO page_trash (page_id, parent_id, position, trashed_by, trashed_at)
    SELECT id, parent_id, position, updated_by, updated_at FROM pages WHERE status = 'trashed';

-- Attachments gain a status; a file name is unique among a page's current
-- attachments only, so a trashed file doesn't block a new upload of its name.
-- SQLite can't drop a table constraint, so both tables are rebuilt (the
-- versions too: dropping `attachments` would cascade into them).
CREATE TABLE attachments_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'current',
    trashed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    trashed_at TEXT
);
INSERT INTO attachments_new (id, page_id, file_name, version, created_by, created_at, updated_by, updated_at)
    SELECT id, page_id, file_name, version, created_by, created_at, updated_by, updated_at FROM attachments;
CREATE TABLE attachment_versions_new (
    attachment_id INTEGER NOT NULL REFERENCES attachments_new(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (attachment_id, version)
);
INSERT INTO attachment_versions_new SELECT * FROM attachment_versions;
DROP TABLE attachment_versions;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
ALTER TABLE attachment_versions_new RENAME TO attachment_versions;
CREATE INDEX attachment_versions_hash ON attachment_versions(content_hash);
CREATE UNIQUE INDEX attachments_current_name ON attachments(page_id, file_name) WHERE status = 'current';
CREATE INDEX attachments_trashed ON attachments(status, trashed_at);
