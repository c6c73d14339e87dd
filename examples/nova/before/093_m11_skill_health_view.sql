-- revision: 093_m11_skill_health_view
-- down_revision: 092_agents_views
-- message: Add m11 skill health view

CREATE VIEW m11_audit.v_skill_health AS
SELECT m.skill, m.calls, m.failures, m.p95_ms, coalesce(c.state, 'closed') AS breaker_state
FROM m11_audit.skill_metrics m
LEFT JOIN m11_audit.circuit_breaker_state c ON c.skill = m.skill;
