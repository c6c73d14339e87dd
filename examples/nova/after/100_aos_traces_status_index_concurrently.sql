-- revision: 100_aos_traces_status_index_concurrently
-- down_revision: 099_prevention_records
-- message: Index aos_traces by status without locking writes
-- transaction: false

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_aos_traces_status_started_at ON aos_traces (status, started_at);
