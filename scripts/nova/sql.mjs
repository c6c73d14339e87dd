/**
 * Small SQL builders shared by the nova history definitions (plain ESM, no build step). They only
 * format text: every identifier they receive is a literal written in this repository.
 */

/**
 * `CREATE TABLE` with an `id` primary key first and `created_at` last, then one index per entry of
 * `indexes` (each an array of column names, or `{ cols, unique }`).
 *
 * @param {string} name possibly schema-qualified (`policy.violations`)
 * @param {string[]} cols column and table-constraint lines, written as SQL
 * @param {{ id?: 'bigserial' | 'uuid' | 'varchar' | 'serial' | 'none', indexes?: Array<string[] | { cols: string[], unique?: boolean }>, createdAt?: boolean }} [opts]
 * @returns {string}
 */
export function table(name, cols, opts = {}) {
  const id = opts.id ?? 'bigserial';
  const idLine = {
    bigserial: 'id BIGSERIAL PRIMARY KEY',
    serial: 'id SERIAL PRIMARY KEY',
    uuid: 'id UUID PRIMARY KEY DEFAULT gen_random_uuid()',
    varchar: 'id VARCHAR(64) PRIMARY KEY',
    none: null,
  }[id];
  const lines = [
    ...(idLine ? [idLine] : []),
    ...cols,
    ...(opts.createdAt === false ? [] : ['created_at TIMESTAMPTZ NOT NULL DEFAULT now()']),
  ];
  const out = [`CREATE TABLE ${name} (\n    ${lines.join(',\n    ')}\n);`];
  for (const spec of opts.indexes ?? []) {
    const { cols: icols, unique } = Array.isArray(spec) ? { cols: spec, unique: false } : spec;
    out.push(index(name, icols, { unique }));
  }
  return out.join('\n');
}

/**
 * `CREATE [UNIQUE] INDEX ix_<table>_<cols> ON <table> (<cols>)`.
 *
 * @param {string} name possibly schema-qualified table
 * @param {string[]} cols
 * @param {{ unique?: boolean, ifNotExists?: boolean, where?: string }} [opts]
 * @returns {string}
 */
export function index(name, cols, opts = {}) {
  const base = name.includes('.') ? name.split('.')[1] : name;
  const ix = `${opts.unique ? 'ux' : 'ix'}_${base}_${cols.join('_')}`;
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  return `CREATE ${opts.unique ? 'UNIQUE ' : ''}INDEX ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${ix} ON ${name} (${cols.join(', ')})${where};`;
}

/**
 * One `ALTER TABLE <t> ADD COLUMN <def>` statement per column (Alembic's `op.add_column` emits one
 * statement each, which is what the report's error messages quote).
 *
 * @param {string} name
 * @param {string[]} defs
 * @returns {string}
 */
export function addColumns(name, defs) {
  return defs.map((d) => `ALTER TABLE ${name} ADD COLUMN ${d};`).join('\n');
}

/** The 18 base columns of `runs` (ORM-bootstrapped in the original project). */
export const RUNS_BASE_COLUMNS = [
  'id VARCHAR(64) PRIMARY KEY',
  'agent_id VARCHAR(64) NOT NULL',
  'tenant_id VARCHAR(64)',
  'goal TEXT NOT NULL',
  "status VARCHAR(32) NOT NULL DEFAULT 'queued'",
  'attempts INTEGER NOT NULL DEFAULT 0',
  'max_attempts INTEGER NOT NULL DEFAULT 3',
  'priority INTEGER NOT NULL DEFAULT 0',
  'idempotency_key VARCHAR(128)',
  'parent_run_id VARCHAR(64)',
  'plan_json TEXT',
  'tool_calls_json TEXT',
  'error_message TEXT',
  'duration_ms DOUBLE PRECISION',
  'next_attempt_at TIMESTAMP',
  'created_at TIMESTAMP NOT NULL DEFAULT now()',
  'started_at TIMESTAMP',
  'completed_at TIMESTAMP',
];

/** The 5 secondary indexes of `runs` (besides its primary key). */
export const RUNS_BASE_INDEXES = [
  'CREATE INDEX IF NOT EXISTS ix_runs_agent_id ON runs (agent_id);',
  'CREATE INDEX IF NOT EXISTS ix_runs_tenant_id ON runs (tenant_id);',
  'CREATE INDEX IF NOT EXISTS ix_runs_status ON runs (status);',
  'CREATE INDEX IF NOT EXISTS ix_runs_created_at ON runs (created_at);',
  'CREATE INDEX IF NOT EXISTS ix_runs_idempotency_key ON runs (idempotency_key);',
];

/** The 16 base columns of `agents` (public; ORM-bootstrapped in the original project). */
export const AGENTS_BASE_COLUMNS = [
  'id VARCHAR(64) PRIMARY KEY',
  'name VARCHAR(255) NOT NULL',
  'description TEXT',
  "status VARCHAR(32) NOT NULL DEFAULT 'active'",
  'tenant_id VARCHAR(64)',
  'owner_id VARCHAR(64)',
  'capabilities_json TEXT',
  'planner_config_json TEXT',
  'rate_limit_rpm INTEGER NOT NULL DEFAULT 60',
  'concurrency_limit INTEGER NOT NULL DEFAULT 5',
  'budget_cents INTEGER NOT NULL DEFAULT 0',
  'spent_cents INTEGER NOT NULL DEFAULT 0',
  'version INTEGER NOT NULL DEFAULT 1',
  'created_at TIMESTAMP NOT NULL DEFAULT now()',
  'updated_at TIMESTAMP NOT NULL DEFAULT now()',
  'last_active_at TIMESTAMP',
];

/** The 2 secondary indexes of `agents`. */
export const AGENTS_BASE_INDEXES = [
  'CREATE INDEX IF NOT EXISTS ix_agents_tenant_id ON agents (tenant_id);',
  'CREATE INDEX IF NOT EXISTS ix_agents_name ON agents (name);',
];

/** `CREATE TABLE IF NOT EXISTS runs (...)` and its indexes. */
export function runsBaseDdl() {
  return [
    `CREATE TABLE IF NOT EXISTS runs (\n    ${RUNS_BASE_COLUMNS.join(',\n    ')}\n);`,
    ...RUNS_BASE_INDEXES,
  ].join('\n');
}

/** `CREATE TABLE IF NOT EXISTS agents (...)` and its indexes. */
export function agentsBaseDdl() {
  return [
    `CREATE TABLE IF NOT EXISTS agents (\n    ${AGENTS_BASE_COLUMNS.join(',\n    ')}\n);`,
    ...AGENTS_BASE_INDEXES,
  ].join('\n');
}
