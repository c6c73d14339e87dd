-- revision: 202512151200
-- down_revision: 202512131600
-- message: Rename DLQ to canonical

ALTER TABLE celery_task_failures RENAME TO worker_failed_jobs;
ALTER INDEX idx_celery_task_failures_task_name RENAME TO idx_worker_failed_jobs_task_name;
ALTER TABLE worker_failed_jobs RENAME CONSTRAINT celery_task_failures_pkey TO worker_failed_jobs_pkey;
