-- revision: 097_cost_and_trace_views
-- down_revision: 096_incidents_domain_model
-- message: Add daily cost and trace summary views

CREATE VIEW v_cost_daily_by_tenant AS
SELECT t.id AS tenant_id, t.name AS tenant_name, a.day, a.total_cents
FROM cost_daily_aggregates a
JOIN tenants t ON t.id = a.tenant_id;

CREATE VIEW v_trace_summary AS
SELECT tr.trace_id, tr.run_id, tr.tenant_id, tr.status, count(s.id) AS steps,
       sum(s.duration_ms) AS total_duration_ms
FROM aos_traces tr
LEFT JOIN aos_trace_steps s ON s.trace_id = tr.trace_id
GROUP BY tr.trace_id, tr.run_id, tr.tenant_id, tr.status;
