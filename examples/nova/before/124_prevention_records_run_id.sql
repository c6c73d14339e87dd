-- revision: 124_prevention_records_run_id
-- down_revision: 123_incidents_source_run_fk
-- message: Link prevention records to runs

ALTER TABLE prevention_records ADD COLUMN run_id VARCHAR(64) REFERENCES runs(id) ON DELETE SET NULL;
CREATE INDEX ix_prevention_records_run_id ON prevention_records (run_id);
CREATE VIEW v_prevention_by_run AS
SELECT run_id, count(*) AS preventions
FROM prevention_records
GROUP BY run_id;
