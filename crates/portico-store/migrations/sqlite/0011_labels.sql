-- Labels (SPEC 2.1): one row per label name, and which pages carry it.
CREATE TABLE labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE content_labels (
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (page_id, label_id)
);
CREATE INDEX content_labels_label ON content_labels(label_id, page_id);
