-- The AutonomOS "prod" database as it existed before migrations were tracked: the 35 tables of the
-- dev audit summary (004_*.txt), created by the app's models and a Salesforce-style connector, with
-- no alembic_version table. Build it with `psql -f prod-existing.sql` (or a sql.exec step); the
-- prod-stamp procedure then stamps it at the empty baseline 5a9d6371e18c and upgrades to head.
-- Safe to apply twice.

-- Salesforce-style connector objects (mixed-case names, quoted).
CREATE TABLE IF NOT EXISTS "RecordType" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Name" VARCHAR(80) NOT NULL,
    "SobjectType" VARCHAR(40) NOT NULL,
    "IsActive" BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS "User" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Username" VARCHAR(80) NOT NULL UNIQUE,
    "Email" VARCHAR(80),
    "IsActive" BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS "Account" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Name" VARCHAR(255) NOT NULL,
    "Industry" VARCHAR(40),
    "OwnerId" VARCHAR(18) REFERENCES "User"("Id"),
    "RecordTypeId" VARCHAR(18) REFERENCES "RecordType"("Id"),
    "CreatedDate" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "Contact" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "AccountId" VARCHAR(18) REFERENCES "Account"("Id") ON DELETE SET NULL,
    "FirstName" VARCHAR(40),
    "LastName" VARCHAR(80) NOT NULL,
    "Email" VARCHAR(80)
);
CREATE TABLE IF NOT EXISTS "Lead" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Company" VARCHAR(255) NOT NULL,
    "LastName" VARCHAR(80) NOT NULL,
    "Status" VARCHAR(40) NOT NULL DEFAULT 'Open',
    "ConvertedAccountId" VARCHAR(18) REFERENCES "Account"("Id")
);
CREATE TABLE IF NOT EXISTS "OpportunityStage" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "MasterLabel" VARCHAR(80) NOT NULL UNIQUE,
    "DefaultProbability" NUMERIC(5, 2),
    "IsClosed" BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS "Opportunity" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "AccountId" VARCHAR(18) REFERENCES "Account"("Id") ON DELETE CASCADE,
    "Name" VARCHAR(120) NOT NULL,
    "StageName" VARCHAR(80) NOT NULL,
    "Amount" NUMERIC(18, 2),
    "CloseDate" DATE
);
CREATE TABLE IF NOT EXISTS "OpportunityHistory" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "OpportunityId" VARCHAR(18) NOT NULL REFERENCES "Opportunity"("Id") ON DELETE CASCADE,
    "StageName" VARCHAR(80) NOT NULL,
    "Amount" NUMERIC(18, 2),
    "CreatedDate" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "Product2" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Name" VARCHAR(255) NOT NULL,
    "ProductCode" VARCHAR(255),
    "IsActive" BOOLEAN NOT NULL DEFAULT true
);
CREATE TABLE IF NOT EXISTS "Pricebook2" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Name" VARCHAR(255) NOT NULL,
    "IsStandard" BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS "Task" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Subject" VARCHAR(255),
    "WhoId" VARCHAR(18),
    "WhatId" VARCHAR(18),
    "OwnerId" VARCHAR(18) REFERENCES "User"("Id"),
    "Status" VARCHAR(40) NOT NULL DEFAULT 'Not Started'
);
CREATE TABLE IF NOT EXISTS "Event" (
    "Id" VARCHAR(18) PRIMARY KEY,
    "Subject" VARCHAR(255),
    "StartDateTime" TIMESTAMPTZ,
    "EndDateTime" TIMESTAMPTZ,
    "OwnerId" VARCHAR(18) REFERENCES "User"("Id")
);

-- Platform tables (app.models.Base).
CREATE TABLE IF NOT EXISTS tenants (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS users (
    id SERIAL PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL UNIQUE,
    hashed_password VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS tasks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    status VARCHAR(32) NOT NULL DEFAULT 'queued',
    payload JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS task_logs (
    id BIGSERIAL PRIMARY KEY,
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    level VARCHAR(16) NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS job_history (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    job_type VARCHAR(64) NOT NULL,
    status VARCHAR(32) NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS api_journal (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE SET NULL,
    method VARCHAR(8) NOT NULL,
    path TEXT NOT NULL,
    status_code INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key VARCHAR(128) PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    response JSONB,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_limit_counters (
    bucket VARCHAR(128) PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0,
    window_start TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id SERIAL PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    domain VARCHAR(255)
);
CREATE TABLE IF NOT EXISTS opportunities (
    id SERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    amount NUMERIC(18, 2),
    stage VARCHAR(64)
);

-- AAM connector tables (aam_hybrid.shared.models.Base).
CREATE TABLE IF NOT EXISTS connections (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    source_type VARCHAR(64) NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'PENDING',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS canonical_streams (
    id BIGSERIAL PRIMARY KEY,
    connection_id UUID REFERENCES connections(id) ON DELETE CASCADE,
    entity VARCHAR(64) NOT NULL,
    data JSONB NOT NULL,
    emitted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mapping_registry (
    id BIGSERIAL PRIMARY KEY,
    source_system VARCHAR(64) NOT NULL,
    source_field VARCHAR(128) NOT NULL,
    canonical_field VARCHAR(128) NOT NULL,
    confidence NUMERIC(4, 3),
    UNIQUE (source_system, source_field)
);
CREATE TABLE IF NOT EXISTS schema_changes (
    id BIGSERIAL PRIMARY KEY,
    connection_id UUID REFERENCES connections(id) ON DELETE CASCADE,
    change_type VARCHAR(32) NOT NULL,
    details JSONB,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS drift_events (
    id BIGSERIAL PRIMARY KEY,
    connection_id UUID REFERENCES connections(id) ON DELETE CASCADE,
    severity VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'open',
    detected_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS repair_knowledge_base (
    id BIGSERIAL PRIMARY KEY,
    drift_signature VARCHAR(128) NOT NULL UNIQUE,
    repair JSONB NOT NULL,
    success_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hitl_repair_audit (
    id BIGSERIAL PRIMARY KEY,
    drift_event_id BIGINT REFERENCES drift_events(id) ON DELETE CASCADE,
    reviewer VARCHAR(128),
    decision VARCHAR(16) NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sync_catalog_versions (
    id BIGSERIAL PRIMARY KEY,
    connection_id UUID REFERENCES connections(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    catalog JSONB NOT NULL
);

-- DCL unified entities and materialized projections.
CREATE TABLE IF NOT EXISTS dcl_unified_contact (
    unified_contact_id VARCHAR(64) PRIMARY KEY,
    email VARCHAR(255),
    first_name VARCHAR(128),
    last_name VARCHAR(128),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dcl_unified_contact_link (
    id BIGSERIAL PRIMARY KEY,
    unified_contact_id VARCHAR(64) NOT NULL REFERENCES dcl_unified_contact(unified_contact_id) ON DELETE CASCADE,
    source_system VARCHAR(64) NOT NULL,
    source_contact_id VARCHAR(128) NOT NULL,
    UNIQUE (source_system, source_contact_id)
);
CREATE TABLE IF NOT EXISTS materialized_accounts (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    source_system VARCHAR(64) NOT NULL,
    source_id VARCHAR(128) NOT NULL,
    data JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS materialized_contacts (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    source_system VARCHAR(64) NOT NULL,
    source_id VARCHAR(128) NOT NULL,
    data JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS materialized_opportunities (
    id BIGSERIAL PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    source_system VARCHAR(64) NOT NULL,
    source_id VARCHAR(128) NOT NULL,
    data JSONB NOT NULL
);
