-- Permissions: space roles, space and global grants, page restrictions with
-- the denormalised restriction key, the permission epoch and admin keys.

-- Named bundles of space permissions (a bit set, see portico_core::permission).
CREATE TABLE space_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    role_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    permissions INTEGER NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
INSERT INTO space_roles (role_key, name, permissions, builtin, created_at) VALUES
    ('admin', 'Admin', 16383, 1, '2026-01-01T00:00:00Z'),
    ('manager', 'Manager', 8191, 1, '2026-01-01T00:00:00Z'),
    ('collaborator', 'Collaborator', 2727, 1, '2026-01-01T00:00:00Z'),
    ('viewer', 'Viewer', 1, 1, '2026-01-01T00:00:00Z');

-- Who holds what in a space. `grantee_id` is 0 for all-members and anonymous.
-- With a role, the role's permissions apply (and follow later edits of a
-- custom role); without one, `permissions` is an explicit set.
CREATE TABLE space_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id INTEGER NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'group', 'all-members', 'anonymous')),
    grantee_id INTEGER NOT NULL,
    role_id INTEGER REFERENCES space_roles(id),
    permissions INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (space_id, grantee_kind, grantee_id)
);
CREATE INDEX space_grants_grantee ON space_grants(grantee_kind, grantee_id);

CREATE TABLE global_grants (
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'group', 'all-members')),
    grantee_id INTEGER NOT NULL,
    permissions INTEGER NOT NULL,
    PRIMARY KEY (grantee_kind, grantee_id)
);
-- All members may use the wiki, create spaces, see the directory and use public links.
INSERT INTO global_grants (grantee_kind, grantee_id, permissions) VALUES ('all-members', 0, 27);

-- Existing spaces keep working as before: all members collaborate, the
-- creator administers.
INSERT INTO space_grants (space_id, grantee_kind, grantee_id, role_id, permissions, created_at)
    SELECT id, 'all-members', 0, (SELECT id FROM space_roles WHERE role_key = 'collaborator'), 0, created_at FROM spaces;
INSERT INTO space_grants (space_id, grantee_kind, grantee_id, role_id, permissions, created_at)
    SELECT id, 'user', created_by, (SELECT id FROM space_roles WHERE role_key = 'admin'), 0, created_at
    FROM spaces WHERE created_by IS NOT NULL;

ALTER TABLE spaces ADD COLUMN allows_guests INTEGER NOT NULL DEFAULT 1;

CREATE TABLE page_restrictions (
    page_id INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'edit')),
    grantee_kind TEXT NOT NULL CHECK (grantee_kind IN ('user', 'group')),
    grantee_id INTEGER NOT NULL,
    PRIMARY KEY (page_id, kind, grantee_kind, grantee_id)
);

-- The nearest ancestor-or-self with a view restriction (NULL: none).
ALTER TABLE pages ADD COLUMN restriction_key INTEGER;
CREATE INDEX pages_restriction_key ON pages(restriction_key);

-- One counter, moved in the same transaction as any permission-relevant change.
CREATE TABLE permission_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO permission_epoch (id, epoch) VALUES (1, 1);

CREATE TABLE admin_keys (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
