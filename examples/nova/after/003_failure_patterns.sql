-- revision: 003_failure_patterns
-- down_revision: 002_m10_recovery_schema
-- message: Add failure pattern catalog and matches

CREATE TABLE failure_patterns (
    id SERIAL PRIMARY KEY,
    signature VARCHAR(128) NOT NULL UNIQUE,
    category VARCHAR(64) NOT NULL,
    description TEXT,
    recovery_hint TEXT,
    occurrences INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE failure_matches (
    id BIGSERIAL PRIMARY KEY,
    pattern_id INTEGER NOT NULL REFERENCES failure_patterns(id) ON DELETE CASCADE,
    run_id VARCHAR(64) NOT NULL,
    confidence NUMERIC(4, 3) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_failure_matches_pattern_id ON failure_matches (pattern_id);
CREATE INDEX ix_failure_matches_run_id ON failure_matches (run_id);
