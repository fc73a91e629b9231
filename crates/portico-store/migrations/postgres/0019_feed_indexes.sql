-- One person's saves, newest first (a profile's activity, "your saves" on
-- the home feed): walked from this index, each joined to its page and
-- filtered by the reader's access there (store::feeds::changes).
CREATE INDEX page_versions_author ON page_versions(author_id, id);
