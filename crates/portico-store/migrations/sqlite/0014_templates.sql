-- Page templates (SPEC 2.1): global (space_id NULL) or of one space. The body
-- is storage format that may hold `<at:var at:name="..."/>` variables, declared
-- in `variables` (a JSON array of {name, label, default}). Names are unique
-- per scope, ignoring ASCII case.
CREATE TABLE templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id INTEGER REFERENCES spaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    variables TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX templates_global_name ON templates(lower(name)) WHERE space_id IS NULL;
CREATE UNIQUE INDEX templates_space_name ON templates(space_id, lower(name)) WHERE space_id IS NOT NULL;
