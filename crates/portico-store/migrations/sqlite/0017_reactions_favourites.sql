-- Reactions (SPEC 2.1): a person's emoji on a page or on a comment of it.
-- `page_id` is set for both, so a page's reactions and those of all its
-- comments come in one query, filtered by the page's visibility.
CREATE TABLE reactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    comment_id INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX reactions_user_page ON reactions(user_id, page_id, emoji) WHERE comment_id IS NULL;
CREATE UNIQUE INDEX reactions_user_comment ON reactions(user_id, comment_id, emoji) WHERE comment_id IS NOT NULL;
CREATE INDEX reactions_page ON reactions(page_id);

-- Favourites ("saved for later"): pages a person starred.
CREATE TABLE favourites (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, page_id)
);
CREATE INDEX favourites_page ON favourites(page_id);
