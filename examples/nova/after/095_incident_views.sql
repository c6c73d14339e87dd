-- revision: 095_incident_views
-- down_revision: 094_routing_stats_view
-- message: Add incident summary views

CREATE VIEW v_incident_summary AS
SELECT i.id AS incident_id, i.tenant_id, i.severity, i.status, count(e.id) AS event_count,
       max(e.created_at) AS last_event_at
FROM incidents i
LEFT JOIN incident_events e ON e.incident_id = i.id
GROUP BY i.id, i.tenant_id, i.severity, i.status;

CREATE VIEW v_open_incidents_by_tenant AS
SELECT t.id AS tenant_id, t.name AS tenant_name, count(i.id) AS open_incidents
FROM tenants t
LEFT JOIN incidents i ON i.tenant_id = t.id AND i.status = 'open'
GROUP BY t.id, t.name;
