-- revision: 119_w2_mcp_servers
-- down_revision: 118_w2_knowledge_planes
-- message: W2: add MCP servers, tools and invocations

CREATE TABLE mcp_servers (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    url TEXT NOT NULL,
    transport VARCHAR(16) NOT NULL DEFAULT 'http',
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    UNIQUE (tenant_id, name),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE mcp_tools (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    server_id UUID NOT NULL REFERENCES mcp_servers(id) ON DELETE CASCADE,
    tool_name VARCHAR(128) NOT NULL,
    input_schema JSONB,
    risk_level VARCHAR(16) NOT NULL DEFAULT 'low',
    UNIQUE (server_id, tool_name),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE mcp_tool_invocations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tool_id UUID NOT NULL REFERENCES mcp_tools(id) ON DELETE CASCADE,
    run_id VARCHAR(64),
    duration_ms INTEGER,
    succeeded BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_mcp_tool_invocations_tool_id_created_at ON mcp_tool_invocations (tool_id, created_at);
