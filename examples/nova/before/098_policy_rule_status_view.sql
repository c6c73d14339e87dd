-- revision: 098_policy_rule_status_view
-- down_revision: 097_cost_and_trace_views
-- message: Add policy rule status view

CREATE VIEW v_policy_rule_status AS
SELECT r.id AS rule_id, r.tenant_id, r.name, r.enforcement_mode, r.is_active,
       count(e.id) AS enforcements
FROM policy_rules r
LEFT JOIN policy_enforcements e ON e.rule_id = r.id
GROUP BY r.id, r.tenant_id, r.name, r.enforcement_mode, r.is_active;
