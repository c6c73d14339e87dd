-- revision: 006_m10_archive_tables
-- down_revision: 005_m10_suggestions
-- message: Add m10 archive, dead letter and replay tables

CREATE TABLE m10_recovery.suggestion_input_archive (
    id BIGSERIAL PRIMARY KEY,
    original_id BIGINT NOT NULL,
    payload JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.suggestion_provenance_archive (
    id BIGSERIAL PRIMARY KEY,
    original_id BIGINT NOT NULL,
    payload JSONB NOT NULL,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.dead_letter_archive (
    id BIGSERIAL PRIMARY KEY,
    queue_name VARCHAR(64) NOT NULL,
    payload JSONB NOT NULL,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE m10_recovery.replay_log (
    id BIGSERIAL PRIMARY KEY,
    dead_letter_id BIGINT REFERENCES m10_recovery.dead_letter_archive(id) ON DELETE SET NULL,
    replayed_by VARCHAR(128),
    outcome VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_replay_log_dead_letter_id ON m10_recovery.replay_log (dead_letter_id);
