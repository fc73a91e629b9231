-- Inline comments (SPEC 2.1): a comment is a footer or an inline one. An
-- inline comment that starts a thread carries its anchor — the selected
-- text, which occurrence of it, some text before and after it (to find the
-- right occurrence after edits) and the page version it was made on — and
-- a resolution status with who set it and when. Replies are inline too but
-- carry neither: they belong to their thread.
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'footer' CHECK (kind IN ('footer', 'inline'));
ALTER TABLE comments ADD COLUMN anchor_text TEXT;
ALTER TABLE comments ADD COLUMN anchor_match_index INTEGER;
ALTER TABLE comments ADD COLUMN anchor_match_count INTEGER;
ALTER TABLE comments ADD COLUMN anchor_before TEXT;
ALTER TABLE comments ADD COLUMN anchor_after TEXT;
ALTER TABLE comments ADD COLUMN anchor_version INTEGER;
ALTER TABLE comments ADD COLUMN resolution TEXT CHECK (resolution IN ('open', 'resolved', 'reopened'));
ALTER TABLE comments ADD COLUMN resolution_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE comments ADD COLUMN resolution_at TEXT;
CREATE INDEX comments_page_kind ON comments(page_id, kind, id);
