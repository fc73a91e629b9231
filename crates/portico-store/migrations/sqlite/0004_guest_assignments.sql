-- Guest assignments are grants to a guest; they (and any grant) may expire.
-- Spaces decide whether they may have guests at all (site default for new ones).
ALTER TABLE space_grants ADD COLUMN expires_at TEXT;
-- Who gave the grant (told before it expires) and when the reminder went out.
ALTER TABLE space_grants ADD COLUMN granted_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE space_grants ADD COLUMN reminded_at TEXT;
CREATE INDEX space_grants_expiry ON space_grants(expires_at) WHERE expires_at IS NOT NULL;

-- A guest's product access may end by itself too.
ALTER TABLE users ADD COLUMN guest_access_expires_at TEXT;
