-- revision: 202511131121
-- down_revision: 202511131120
-- message: Add GRANTs for application roles

-- The roles are cluster objects created by the bootstrap, never by a migration: a database
-- bootstrapped without them fails here with `role "app_rw" does not exist`.
GRANT USAGE ON SCHEMA public TO app_rw, app_ro;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, attribution_events, attribution_allocations TO app_rw;
GRANT SELECT ON tenants, attribution_events, attribution_allocations TO app_ro;
GRANT SELECT ON mv_channel_performance, mv_daily_revenue_summary TO app_rw, app_ro;
