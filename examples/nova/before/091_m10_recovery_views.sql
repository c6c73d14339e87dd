-- revision: 091_m10_recovery_views
-- down_revision: 090_run_and_worker_views
-- message: Add m10 queue depth and pending outbox views

CREATE VIEW m10_recovery.v_work_queue_depth AS
SELECT queue_name, status, count(*) AS items, min(available_at) AS oldest
FROM m10_recovery.work_queue
GROUP BY queue_name, status;

CREATE VIEW m10_recovery.v_outbox_pending AS
SELECT aggregate_type, count(*) AS pending, min(created_at) AS oldest
FROM m10_recovery.outbox
WHERE published_at IS NULL
GROUP BY aggregate_type;
