-- Blog posts (SPEC 2.1): rows of `pages` with kind `blogpost`, outside every
-- tree (no parent, path `/`), so versions, comments, attachments, labels,
-- restrictions, watches and the access-set filter serve them unchanged.
ALTER TABLE pages ADD COLUMN kind TEXT NOT NULL DEFAULT 'page';
-- Titles stay unique among a space's current pages; blog post titles need
-- not be (their URLs carry the id and the date).
DROP INDEX pages_current_title;
CREATE UNIQUE INDEX pages_current_title ON pages(space_id, title) WHERE status = 'current' AND kind = 'page';
-- A space's blog, newest first.
CREATE INDEX pages_blog ON pages(space_id, kind, created_at);
