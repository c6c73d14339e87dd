-- revision: 090_run_and_worker_views
-- down_revision: 089_knowledge_lifecycle_transitions
-- message: Add run overview and worker health views

CREATE VIEW v_run_overview AS
SELECT r.id AS run_id, r.tenant_id, r.status, r.state, r.risk_level, a.name AS agent_name,
       r.created_at, r.completed_at
FROM runs r
LEFT JOIN agents a ON a.id = r.agent_id;

CREATE VIEW v_worker_health AS
SELECT w.worker_id, w.name, w.status AS registry_status,
       count(r.id) FILTER (WHERE r.status = 'failed') AS failed_runs,
       count(r.id) AS total_runs
FROM worker_registry w
LEFT JOIN worker_runs r ON r.worker_id = w.worker_id
GROUP BY w.worker_id, w.name, w.status;
