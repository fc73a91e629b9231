-- Trash (SPEC 2.1): what restoring a trashed page needs (its old parent and
-- position, who trashed it and when), and trashed attachments. The old parent
-- carries no foreign key: it may be purged while the page waits in the trash.
CREATE TABLE page_trash (
    page_id BIGINT PRIMARY KEY REFERENCES pages(id) ON DELETE CASCADE,
    parent_id BIGINT,
    position BIGINT NOT NULL,
    trashed_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    trashed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX page_trash_at ON page_trash(trashed_at, page_id);
-- Pages trashed before this migration: their parent is still `parent_id`.
INSERT INTO page_trash (page_id, parent_id, position, trashed_by, trashed_at)
    SELECT id, parent_id, position, updated_by, updated_at FROM pages WHERE status = 'trashed';

-- Attachments gain a status; a file name is unique among a page's current
-- attachments only, so a trashed file doesn't block a new upload of its name.
ALTER TABLE attachments ADD COLUMN status TEXT NOT NULL DEFAULT 'current';
ALTER TABLE attachments ADD COLUMN trashed_by BIGINT REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE attachments ADD COLUMN trashed_at TIMESTAMPTZ;
ALTER TABLE attachments DROP CONSTRAINT attachments_page_id_file_name_key;
CREATE UNIQUE INDEX attachments_current_name ON attachments(page_id, file_name) WHERE status = 'current';
CREATE INDEX attachments_trashed ON attachments(status, trashed_at);
