-- revision: 092_agents_views
-- down_revision: 091_m10_recovery_views
-- message: Add agent job progress and credit position views

CREATE VIEW agents.v_job_progress AS
SELECT j.id AS job_id, j.tenant_id, j.status, j.total_items,
       count(i.id) FILTER (WHERE i.status = 'done') AS done_items
FROM agents.jobs j
LEFT JOIN agents.job_items i ON i.job_id = j.id
GROUP BY j.id, j.tenant_id, j.status, j.total_items;

CREATE VIEW agents.v_credit_position AS
SELECT b.tenant_id, b.balance_cents, coalesce(sum(l.delta_cents), 0) AS ledger_total
FROM agents.credit_balances b
LEFT JOIN agents.credit_ledger l ON l.balance_id = b.id
GROUP BY b.tenant_id, b.balance_cents;
