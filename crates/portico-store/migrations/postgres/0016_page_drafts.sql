-- Drafts of published pages (SPEC 2.1): an edit of a current page saved for
-- later, private to its author. One per page and author; publishing it saves
-- a new version of the page (if nobody published since `base_version`) and
-- removes the draft.
CREATE TABLE page_drafts (
    page_id BIGINT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    base_version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (page_id, author_id)
);
CREATE INDEX page_drafts_author ON page_drafts(author_id);
