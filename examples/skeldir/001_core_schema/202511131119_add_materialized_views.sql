-- revision: 202511131119
-- down_revision: 202511131115
-- message: Add materialized views

CREATE MATERIALIZED VIEW mv_channel_performance AS
SELECT tenant_id,
       channel_code,
       date_trunc('day', created_at) AS day,
       count(*) AS allocations,
       sum(allocated_revenue_cents) AS revenue_cents
FROM attribution_allocations
GROUP BY tenant_id, channel_code, date_trunc('day', created_at);
-- A unique index is what allows REFRESH MATERIALIZED VIEW CONCURRENTLY.
CREATE UNIQUE INDEX idx_mv_channel_performance_key ON mv_channel_performance (tenant_id, channel_code, day);

CREATE MATERIALIZED VIEW mv_daily_revenue_summary AS
SELECT tenant_id,
       date_trunc('day', event_timestamp) AS day,
       count(*) AS events,
       sum(revenue_cents) AS revenue_cents
FROM attribution_events
GROUP BY tenant_id, date_trunc('day', event_timestamp);
CREATE UNIQUE INDEX idx_mv_daily_revenue_summary_key ON mv_daily_revenue_summary (tenant_id, day);
