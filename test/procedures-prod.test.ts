import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './support/database.js';
import {
  createDatabase,
  createProcedureCli,
  databaseUrl,
  dropDatabases,
  execSqlFile,
  queryRows,
  type LoggedEvent,
  type ProcedureCli,
} from './support/procedure-cli.js';

const HEAD = '9f2b3c4d5e6a';
const BASELINE = '5a9d6371e18c';
const PROD_EXISTING = 'examples/autonomos/prod-existing.sql';

let cli: ProcedureCli;
/** stderr of deploy-guard on the unstamped prod. */
let guardStderr = '';
const dev = uniqueName('rb_autonomos_dev');
const prod = uniqueName('rb_autonomos_prod');
const fresh = uniqueName('rb_autonomos_fresh');

/** The prod role, declared local, as every prod case but the refusals needs. */
const PROD = { DB_AUTHORITY: 'local', DB_ROLE: 'prod' };

beforeAll(async () => {
  cli = await createProcedureCli();
  // dev: the pre-existing schema, then tracked: the empty baseline and the three additive ones.
  await createDatabase(dev);
  await execSqlFile(dev, PROD_EXISTING);
  const up = await cli.runbook([
    'run', 'upgrade', '--param', `database=${dev}`, '--param', 'migrations=examples/autonomos/migrations',
  ]); // prettier-ignore
  if (up.code !== 0) throw new Error(`building dev failed (exit ${up.code}):\n${up.stderr}`);
  // prod and a second, fresh prod: the same schema, never stamped.
  for (const db of [prod, fresh]) {
    await createDatabase(db);
    await execSqlFile(db, PROD_EXISTING);
  }
});
afterAll(async () => {
  await dropDatabases([dev, prod, fresh]);
  await cli?.dispose();
});

/** prod-stamp on `target` with dev as the reference. */
function prodStamp(target: string, extra: string[], env: Record<string, string | undefined>) {
  return cli.runbook(['run', 'prod-stamp', '--param', `dev_url=${databaseUrl(dev)}`, ...extra], {
    databaseUrl: databaseUrl(target),
    env,
  });
}

/** What a refusal must leave untouched: no version table, the 35 original tables. */
async function prodState(db: string): Promise<{ stamped: boolean; tables: number }> {
  const [row] = await queryRows<{ stamped: boolean; tables: number }>(
    db,
    `SELECT to_regclass('public.alembic_version') IS NOT NULL AS stamped,
            (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables`,
  );
  return row!;
}

function succeeded(events: LoggedEvent[], step: string): Record<string, unknown> {
  const e = events.find((x) => x.type === 'step.succeeded' && x.step === step);
  if (!e) throw new Error(`step ${step} did not succeed`);
  return e.data;
}

describe('prod-stamp and deploy-guard on autonomos', () => {
  it.each([
    ['without confirmation', [], PROD, /PROD_UNCONFIRMED[\s\S]*CONFIRM_PROD_MIGRATIONS/],
    [
      'DB_ROLE=replica',
      ['--confirm-prod'],
      { DB_AUTHORITY: 'local', DB_ROLE: 'replica' },
      /refused/,
    ],
    [
      'DB_ROLE unset',
      ['--confirm-prod'],
      { DB_AUTHORITY: 'local', DB_ROLE: undefined },
      /ROLE_UNDECLARED/,
    ],
  ] as const)('refuses %s: exit 3, nothing written', async (_, flags, env, message) => {
    const before = cli.runIds();
    const res = await prodStamp(prod, [...flags], env);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toMatch(message);
    expect(cli.runIds()).toEqual(before);
    expect(await prodState(prod)).toEqual({ stamped: false, tables: 35 });
  });

  it('refuses a URL whose host is not local: exit 3, nothing written, password never printed', async () => {
    const url = 'postgresql://u:P4ss@db.example.com/x';
    const before = cli.runIds();
    const res = await cli.runbook(
      ['run', 'prod-stamp', '--confirm-prod', '--param', `dev_url=${databaseUrl(dev)}`],
      { databaseUrl: url, env: PROD },
    );
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain('URL_AUTHORITY_MISMATCH');
    expect(res.stderr).toContain('db.example.com');
    expect(res.stderr + res.stdout).not.toContain('P4ss');
    expect(cli.runIds()).toEqual(before);
    expect(await prodState(prod)).toEqual({ stamped: false, tables: 35 });
  });

  it('deploy-guard on the unstamped prod: exit 1, MISSING', async () => {
    const res = await cli.runbook(
      ['run', 'deploy-guard', '--param', `dev_url=${databaseUrl(dev)}`],
      {
        databaseUrl: databaseUrl(prod),
        env: PROD,
      },
    );
    expect(res.code, res.stderr).toBe(1);
    guardStderr = res.stderr;
    expect(res.stderr).toContain('AUDIT_MISSING');
    expect(res.stderr).toMatch(/MISSING: prod has no alembic_version table/);
    const runId = cli.lastRunId();
    expect(cli.artifact(runId, 'dev-vs-prod-diagnosis.txt')).toMatch(/^MISSING:/);
    expect(await prodState(prod)).toEqual({ stamped: false, tables: 35 }); // read-only
  });

  // Known defect (reported to the lead): db.audit's failure message says MISSING but gives no
  // remediation (e.g. "run prod-stamp"), which issue 5 requires of deploy-guard. Flip to `it` once
  // src/catalog/audit.ts or src/actions/db-audit.ts adds it.
  it('deploy-guard names the remediation (stamp prod) in its failure message', () => {
    expect(guardStderr).toContain('AUDIT_MISSING');
    expect(guardStderr).toMatch(/prod-stamp|alembic stamp/);
  });

  it('prod-stamp stamps prod once, upgrades it to head, and a second run changes nothing', async () => {
    const first = await prodStamp(prod, ['--confirm-prod'], PROD);
    expect(first.code, first.stderr).toBe(0);
    const runId = cli.lastRunId();
    expect(cli.artifact(runId, 'dev-summary.txt')).toContain(`version_num\n${HEAD}`);
    expect(cli.artifact(runId, 'prod-summary.txt')).toContain('(no alembic_version table)');
    const events = cli.events(runId);
    expect(succeeded(events, 'audit-prod').output).toMatchObject({ diagnosis: 'MISSING' });
    expect(succeeded(events, 'stamp-baseline').output).toMatchObject({
      changed: true,
      current: [BASELINE],
    });
    expect(succeeded(events, 'audit-after').output).toMatchObject({ diagnosis: 'OK' });
    const applied = events
      .filter((e) => e.type === 'migration.applied')
      .map((e) => e.data.revision);
    expect(applied).toEqual(['7c1e2f9a4b3d', '8e4a1b6c2d5f', HEAD]); // the baseline was stamped, not run
    expect(await queryRows(prod, 'SELECT version_num AS v FROM alembic_version')).toEqual([
      { v: HEAD },
    ]);
    expect(await prodState(prod)).toEqual({ stamped: true, tables: 37 });
    for (const c of cli.checklist(runId)) expect(c.status, c.item).toBe('PASS');

    const second = await prodStamp(prod, ['--confirm-prod'], PROD);
    expect(second.code, second.stderr).toBe(0);
    const again = cli.lastRunId();
    expect(again).not.toBe(runId);
    const stamp = succeeded(cli.events(again), 'stamp-baseline');
    expect(stamp.output).toMatchObject({ changed: false, current: [HEAD] });
    expect(stamp.summary).toContain('nothing changed');
    expect(cli.events(again).some((e) => e.type === 'migration.applied')).toBe(false);
    expect(await queryRows(prod, 'SELECT version_num AS v FROM alembic_version')).toEqual([
      { v: HEAD },
    ]);
  });

  it('deploy-guard after prod-stamp: exit 0', async () => {
    const res = await cli.runbook(
      ['run', 'deploy-guard', '--param', `dev_url=${databaseUrl(dev)}`],
      {
        databaseUrl: databaseUrl(prod),
        env: PROD,
      },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(cli.artifact(cli.lastRunId(), 'dev-vs-prod-diagnosis.txt')).toMatch(/^OK:/);
  });

  it('refuses a destructive migration on a fresh prod: exit 3, names DROP TABLE, prod not stamped', async () => {
    const res = await prodStamp(
      fresh,
      ['--confirm-prod', '--param', 'migrations=examples/autonomos/migrations-destructive'],
      PROD,
    );
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain('DESTRUCTIVE_STATEMENT');
    expect(res.stderr).toContain('DROP TABLE rate_limit_counters');
    expect(res.stderr).toContain('b3d4e5f6a7b8');
    expect(await prodState(fresh)).toEqual({ stamped: false, tables: 35 });
    expect(
      await queryRows(fresh, "SELECT to_regclass('rate_limit_counters') IS NOT NULL AS ok"),
    ).toEqual([{ ok: true }]);
  });
});
