import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirm } from '../src/actions/confirm.js';
import { shellExec } from '../src/actions/shell-exec.js';
import { StepError } from '../src/errors.js';
import { urlPassword } from '../src/postgres/url.js';
import { createActionContext, type TestActionContext } from './support/action-context.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
let t: TestActionContext;
let password: string;

beforeAll(async () => {
  tdb = await createTestDatabase('actions_shell');
  // The embedded server trusts local connections, so a recognisable password can be added.
  const url = new URL(tdb.adminUrl);
  password = urlPassword(tdb.adminUrl) ?? 'Sup3r-S3cret/pw';
  url.password = encodeURIComponent(password);
  t = await createActionContext({ url: url.toString(), cwd: process.cwd() });
});
afterAll(async () => {
  await t?.dispose();
  await tdb?.drop();
});

async function failure(p: Promise<unknown>): Promise<StepError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StepError);
  return err as StepError;
}

describe('shell.exec', () => {
  it('gives the command DATABASE_URL, logs its output with the password scrubbed', async () => {
    const command = [
      `node -e "const pg=require('pg');const c=new pg.Client(process.env.DATABASE_URL);` +
        `c.connect().then(()=>c.query('CREATE TABLE from_shell (id int)')).then(()=>c.end())"`,
      'echo "url=$DATABASE_URL"',
      'echo "pw=$(node -e "console.log(new URL(process.env.DATABASE_URL).password)")" >&2',
      'echo "decoded=$(node -e "console.log(decodeURIComponent(new URL(process.env.DATABASE_URL).password))")"',
      'echo "greeting=$GREETING"',
      // libpq tools get the same target, the password through PGPASSWORD (scrubbed when printed).
      'echo "pg=$PGDATABASE pgpw=$PGPASSWORD"',
      `test "$PGPASSWORD" = '${password}'`,
    ].join(' && ');
    const res = await shellExec.run(
      t.ctx,
      shellExec.params.parse({ command, database: tdb.name, env: { GREETING: 'hello' } }),
    );
    expect(res.output).toEqual({ exit_code: 0 });
    const table = await tdb.query(`SELECT to_regclass('from_shell') IS NOT NULL AS ok`);
    expect(table.rows).toEqual([{ ok: true }]);

    const logged = t.events.filter((e) => e.type === 'shell.output');
    expect(logged).toHaveLength(1);
    const data = logged[0]?.data as Record<string, unknown>;
    expect(data.exit_code).toBe(0);
    expect(data.stdout).toContain('greeting=hello');
    expect(data.stdout).toContain(`pg=${tdb.name} pgpw=***`);
    expect(data.stdout).toContain(`/${tdb.name}`);
    expect(data.stdout).toContain('decoded=***');
    expect(data.stderr).toContain('pw=***');
    const everything = JSON.stringify(t.events);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(encodeURIComponent(password));
  });

  it('fails with SHELL_FAILED, the exit code and the output tails (scrubbed)', async () => {
    const err = await failure(
      shellExec.run(
        t.ctx,
        shellExec.params.parse({
          command: `echo partial; echo "boom ${password}" >&2; exit 7`,
        }),
      ),
    );
    expect(err.code).toBe('SHELL_FAILED');
    expect(err.message).toBe('command exited with code 7: boom ***');
    expect(err.fields.data).toEqual({
      exit_code: 7,
      stdout_tail: 'partial\n',
      stderr_tail: 'boom ***\n',
    });
    expect(JSON.stringify(t.events)).not.toContain(password);
  });

  it('kills a command that outlives timeout_seconds', async () => {
    const started = Date.now();
    const err = await failure(
      shellExec.run(t.ctx, shellExec.params.parse({ command: 'sleep 30', timeout_seconds: 0.5 })),
    );
    expect(err.code).toBe('SHELL_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('confirm', () => {
  it('passes with the confirmation flag or the environment variable', async () => {
    const flagged = await createActionContext({
      url: tdb.adminUrl,
      confirmations: ['prod'],
      env: {},
    });
    try {
      const res = await confirm.run(
        flagged.ctx,
        confirm.params.parse({ gate: 'prod', message: 'Upgrade prod to head' }),
      );
      expect(res.output).toEqual({ gate: 'prod', via: 'flag' });
    } finally {
      await flagged.dispose();
    }
    const viaEnv = await createActionContext({
      url: tdb.adminUrl,
      env: { CONFIRM_PROD_MIGRATIONS: 'true' },
    });
    try {
      const res = await confirm.run(
        viaEnv.ctx,
        confirm.params.parse({ gate: 'prod', message: 'Upgrade prod to head' }),
      );
      expect(res.output).toEqual({ gate: 'prod', via: 'CONFIRM_PROD_MIGRATIONS' });
    } finally {
      await viaEnv.dispose();
    }
  });

  it('fails with CONFIRMATION_REQUIRED naming the flag and the variable', async () => {
    const none = await createActionContext({
      url: tdb.adminUrl,
      env: { CONFIRM_PROD_MIGRATIONS: 'yes', CONFIRM_STAMP: 'TRUE' },
      confirmations: ['other'],
    });
    try {
      const err = await failure(
        confirm.run(none.ctx, confirm.params.parse({ gate: 'prod', message: 'Upgrade prod' })),
      );
      expect(err.code).toBe('CONFIRMATION_REQUIRED');
      expect(err.message).toBe(
        'Upgrade prod — not confirmed: pass --confirm-prod or set CONFIRM_PROD_MIGRATIONS=true',
      );
      const custom = await failure(
        confirm.run(
          none.ctx,
          confirm.params.parse({ gate: 'stamp', message: 'Stamp baseline', env: 'CONFIRM_STAMP' }),
        ),
      );
      expect(custom.message).toContain('set CONFIRM_STAMP=true');
    } finally {
      await none.dispose();
    }
  });
});
