-- Attachments (SPEC 2.1): a file name on a page, with versions. The bytes
-- live on disk under the data folder, named by their SHA-256 (`content_hash`),
-- so versions with the same content share one file.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (page_id, file_name)
);
CREATE TABLE attachment_versions (
    attachment_id INTEGER NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (attachment_id, version)
);
CREATE INDEX attachment_versions_hash ON attachment_versions(content_hash);
