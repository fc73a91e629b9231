-- A grant may cover one page subtree instead of the whole space (guests
-- limited to part of a space). Deleting the page row ends the grant.
ALTER TABLE space_grants ADD COLUMN page_id INTEGER REFERENCES pages(id) ON DELETE CASCADE;
