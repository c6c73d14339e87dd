-- revision: b3d4e5f6a7b8
-- down_revision: 8e4a1b6c2d5f
-- message: drop legacy rate limit counters

-- The kind of statement an auto-generated "sync" plan proposes against a database it does not
-- track: prod-stamp must refuse to run it unless the migration is explicitly allowed.
DROP TABLE rate_limit_counters;
