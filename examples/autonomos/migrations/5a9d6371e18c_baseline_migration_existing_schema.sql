-- revision: 5a9d6371e18c
-- down_revision:
-- message: baseline migration existing schema

-- Intentionally empty. Production already has this schema (see ../prod-existing.sql); stamping a
-- database at this revision says "already here, do not recreate existing tables".
