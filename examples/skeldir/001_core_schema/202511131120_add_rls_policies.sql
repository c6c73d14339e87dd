-- revision: 202511131120
-- down_revision: 202511131119
-- message: Add RLS policies

ALTER TABLE attribution_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE attribution_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON attribution_events
    USING (tenant_id = current_setting('app.current_tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.current_tenant_id')::uuid);

ALTER TABLE attribution_allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE attribution_allocations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON attribution_allocations
    USING (tenant_id = current_setting('app.current_tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.current_tenant_id')::uuid);

-- Creating a policy does not evaluate its expression, so a database without the tenant GUC would
-- only fail later, at the first query. Fail here instead: current_setting() without missing_ok
-- raises `unrecognized configuration parameter "app.current_tenant_id"` when it is not defined
-- (the bootstrap sets it with ALTER DATABASE ... SET app.current_tenant_id = '<uuid>').
DO $check$
BEGIN
    PERFORM current_setting('app.current_tenant_id')::uuid;
END
$check$;
