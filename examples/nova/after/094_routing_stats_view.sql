-- revision: 094_routing_stats_view
-- down_revision: 093_m11_skill_health_view
-- message: Add routing agent stats view

CREATE VIEW routing.v_agent_routing_stats AS
SELECT d.selected_agent_id AS agent_id, count(*) AS decisions, max(r.score) AS reputation
FROM routing.routing_decisions d
LEFT JOIN routing.agent_reputation r ON r.agent_id = d.selected_agent_id
GROUP BY d.selected_agent_id;
