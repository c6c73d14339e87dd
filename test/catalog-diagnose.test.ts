import { describe, expect, it } from 'vitest';
import { analyzeMigrationSql } from '../src/catalog/analyze-migration-sql.js';
import { diagnoseFailure } from '../src/catalog/diagnose-failure.js';
import type { Provenance } from '../src/migrations/provenance.js';

const HISTORY = [
  { revision: '064_worker_registry', sql: 'CREATE TABLE worker_registry (id int PRIMARY KEY);' },
  {
    revision: '065_add_run_authorization',
    sql: 'ALTER TABLE runs ADD COLUMN authorization_decision VARCHAR(30);',
  },
  { revision: '074_sdsr_incidents', sql: 'CREATE TABLE sdsr_incidents (id int PRIMARY KEY);' },
  {
    revision: '075_consolidate_incidents',
    sql: 'CREATE TABLE incidents (id int PRIMARY KEY);\nINSERT INTO incidents SELECT id FROM sdsr_incidents;\nDROP TABLE sdsr_incidents;',
  },
  {
    revision: '115_add_inflection_point_metadata',
    sql: 'ALTER TABLE sdsr_incidents ADD COLUMN inflection_step_index INTEGER;',
  },
];

describe('analyzeMigrationSql', () => {
  it('lists creates, drops, alters, renames and destructive statements from the parser', async () => {
    const a = await analyzeMigrationSql(
      [
        'CREATE TABLE s.t (id int);',
        'CREATE VIEW v AS SELECT 1; CREATE MATERIALIZED VIEW mv AS SELECT 1;',
        "-- DROP TABLE in_a_comment;\nSELECT 'DROP TABLE in_a_string';",
        '  DROP TABLE IF EXISTS a, s.b CASCADE;',
        'ALTER TABLE runs ADD COLUMN x int, DROP COLUMN y;',
        'ALTER TABLE old_name RENAME TO new_name;',
        'TRUNCATE t1;',
        'DROP SCHEMA legacy CASCADE;',
        'DO $$ BEGIN EXECUTE $q$DROP TABLE hidden$q$; END $$;',
      ].join('\n'),
    );
    expect(a.creates.map((r) => [r.schema, r.name, r.kind])).toEqual([
      ['s', 't', 'table'],
      [null, 'v', 'view'],
      [null, 'mv', 'materialized view'],
    ]);
    expect(a.drops.map((r) => `${r.schema ?? ''}.${r.name}`)).toEqual(['.a', 's.b']);
    expect(a.alters.map((r) => r.name)).toEqual(['runs']);
    expect(a.columns.added).toEqual([
      { relation: expect.objectContaining({ name: 'runs' }), column: 'x' },
    ]);
    expect(a.renames[0]).toMatchObject({ from: { name: 'old_name' }, to: { name: 'new_name' } });
    expect(a.truncates.map((r) => r.name)).toEqual(['t1']);
    expect(a.droppedSchemas).toEqual(['legacy']);
    expect(a.opaqueStatements).toBe(1);
    expect(a.destructive.map((d) => [d.kind, d.target, d.line])).toEqual([
      ['DROP TABLE', 'a', 5],
      ['DROP TABLE', 's.b', 5],
      ['DROP COLUMN', 'runs.y', 6],
      ['TRUNCATE', 't1', 8],
      ['DROP SCHEMA', 'legacy', 9],
    ]);
    expect(a.destructive[0]?.statement).toBe('DROP TABLE IF EXISTS a, s.b CASCADE');
  });

  it('rejects SQL that does not parse', async () => {
    await expect(analyzeMigrationSql('CREATE TABLE (')).rejects.toThrow(/syntax error/);
  });
});

describe('diagnoseFailure', () => {
  const failure115 = {
    code: '42P01',
    message: 'relation "sdsr_incidents" does not exist',
    migration: '115_add_inflection_point_metadata',
  };
  const applied = HISTORY.slice(0, 4).map((m) => m.revision);

  it('names the migration of this run that dropped the table (provenance)', async () => {
    const provenance: Provenance = {
      database: 'nova_aos',
      source: 'examples/nova/migrations',
      layout: 'alembic-sql',
      baseline: [{ schema: 'public', name: 'runs', kind: 'table' }],
      migrations: [
        {
          revision: '074_sdsr_incidents',
          file: '074.sql',
          created: [{ schema: 'public', name: 'sdsr_incidents', kind: 'table' }],
          dropped: [],
          altered: [],
        },
        {
          revision: '075_consolidate_incidents',
          file: '075.sql',
          created: [],
          dropped: [{ schema: 'public', name: 'sdsr_incidents', kind: 'table' }],
          altered: [],
        },
      ],
    };
    const d = await diagnoseFailure(failure115, { provenance, migrations: HISTORY, applied });
    expect(d).toContain('dropped by migration 075_consolidate_incidents');
    expect(d).toContain('115_add_inflection_point_metadata');
  });

  it('names the dropping migration statically when the run recorded no provenance', async () => {
    const d = await diagnoseFailure(failure115, { migrations: HISTORY, applied });
    expect(d).toContain('dropped by migration 075_consolidate_incidents');
  });

  it('says no migration creates an ORM-bootstrapped table', async () => {
    const d = await diagnoseFailure(
      {
        code: '42P01',
        message: 'relation "runs" does not exist',
        migration: '065_add_run_authorization',
      },
      { migrations: HISTORY, applied: ['064_worker_registry'] },
    );
    expect(d).toContain('no migration in the history creates relation "runs"');
    expect(d).toContain('ORM-bootstrapped');
    expect(d).toContain('two-path');
  });

  it('never calls a migration tool’s version table ORM-bootstrapped', async () => {
    for (const table of ['alembic_version', 'schema_migrations', '_prisma_migrations']) {
      const d = await diagnoseFailure(
        {
          code: '42P01',
          message: `relation "${table}" does not exist`,
          migration: '065_add_run_authorization',
        },
        { migrations: HISTORY, applied: ['064_worker_registry'] },
      );
      expect(d).toContain(`relation "${table}" is a migration tool's version table`);
      expect(d).toContain('search_path');
      expect(d).not.toContain('ORM-bootstrapped');
    }
  });

  it('names the pending migration of another branch that creates the table', async () => {
    const history = [
      {
        revision: '202511131121',
        sql: 'CREATE TABLE tenants (id uuid PRIMARY KEY);',
        branchLabels: ['core_schema'],
      },
      {
        revision: 'celery_001',
        sql: 'CREATE TABLE attribution_recompute_jobs (tenant_id uuid REFERENCES tenants(id));',
      },
    ];
    const d = await diagnoseFailure(
      { code: '42P01', message: 'relation "tenants" does not exist', migration: 'celery_001' },
      { migrations: history, applied: [] },
    );
    expect(d).toContain('created by migration 202511131121, which is not applied yet');
    expect(d).toContain('core_schema');
  });

  it('diagnoses a dropped column and a column no migration adds', async () => {
    const history = [
      { revision: '001', sql: 'CREATE TABLE agents (id int, legacy text);' },
      { revision: '002', sql: 'ALTER TABLE agents DROP COLUMN legacy;' },
      { revision: '003', sql: 'UPDATE agents SET legacy = NULL;' },
    ];
    const dropped = await diagnoseFailure(
      {
        code: '42703',
        message: 'column "legacy" of relation "agents" does not exist',
        migration: '003',
      },
      { migrations: history, applied: ['001', '002'] },
    );
    expect(dropped).toContain('dropped by migration 002');
    const never = await diagnoseFailure(
      {
        code: '42703',
        message: 'column "is_synthetic" of relation "agents" does not exist',
        migration: '003',
      },
      { migrations: history, applied: ['001', '002'] },
    );
    expect(never).toContain('no migration in the history adds column "is_synthetic" of "agents"');
  });

  it('names a missing role and an undefined setting', async () => {
    const role = await diagnoseFailure(
      { code: '42704', message: 'role "app_rw" does not exist' },
      { migrations: [], applied: [] },
    );
    expect(role).toContain('role "app_rw"');
    expect(role).toContain('before migrations');
    const guc = await diagnoseFailure(
      { code: '42704', message: 'unrecognized configuration parameter "app.current_tenant_id"' },
      { migrations: [], applied: [] },
    );
    expect(guc).toContain('"app.current_tenant_id"');
    expect(guc).toContain('ALTER DATABASE');
    expect(
      await diagnoseFailure(
        { code: '23505', message: 'duplicate key' },
        { migrations: [], applied: [] },
      ),
    ).toBeUndefined();
  });
});
