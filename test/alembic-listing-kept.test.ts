import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPython } from '../src/migrations/index.js';
import { uniqueName } from './support/database.js';
import {
  createProcedureCli,
  dropDatabases,
  queryRows,
  type ProcedureCli,
} from './support/procedure-cli.js';

// `runbook run` keeps an Alembic history's listing in its data cache, so that the next run's
// preflight checks an unchanged history without waiting for Python; the step that applies it
// always works from the bridge's own listing, taken afresh. What a user can observe: the listing
// file in the cache directory, a changed history never checked against the old listing, and
// nothing applied from a listing the bridge does not confirm.

const python = findPython();
let cli: ProcedureCli;
let project: string;
let cacheDir: string;
const created: string[] = [];

const revision = (rev: string, down: string | null): string => `"""${rev}"""
from alembic import op

revision = "${rev}"
down_revision = ${down === null ? 'None' : `"${down}"`}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE TABLE ${rev} (id int)")


def downgrade():
    pass
`;

const ENV_PY = `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
`;

beforeAll(async () => {
  cli = await createProcedureCli();
  project = path.join(cli.ws.dir, 'alembic-project');
  cacheDir = path.join(cli.ws.dir, 'cache');
  await mkdir(path.join(project, 'versions'), { recursive: true });
  await writeFile(
    path.join(project, 'alembic.ini'),
    '[alembic]\nscript_location = .\nsqlalchemy.url = postgresql://localhost/placeholder\n',
  );
  await writeFile(path.join(project, 'env.py'), ENV_PY);
  await writeFile(path.join(project, 'versions', 'a1.py'), revision('a1', null));
  await writeFile(path.join(project, 'versions', 'a2.py'), revision('a2', 'a1'));
});
afterAll(async () => {
  await dropDatabases(created);
  await cli?.dispose();
  await rm(project, { recursive: true, force: true }).catch(() => undefined);
});

async function upgrade(
  target: string,
): Promise<{ code: number | null; stderr: string; db: string }> {
  const db = uniqueName('rb_listing_kept');
  created.push(db);
  const r = await cli.runbook(
    ['run', 'upgrade', '--param', `database=${db}`, '--param', `migrations=${project}`, '--param', `target=${target}`],
    { env: { RUNBOOK_COMPILE_CACHE: cacheDir } },
  ); // prettier-ignore
  return { code: r.code, stderr: r.stderr, db };
}

const tables = async (db: string): Promise<string[]> =>
  (
    await queryRows<{ t: string }>(
      db,
      `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^a[0-9]$' ORDER BY 1`,
    )
  ).map((r) => r.t);

const listingFiles = (): string[] =>
  readdirSync(cacheDir).filter((f) => /\.run\..*\.alembic-listing-[0-9a-f]{24}\.json$/.test(f));

describe.skipIf(!python)('an Alembic listing kept between runs', () => {
  it('is saved by a run, and a changed history is listed afresh', async () => {
    const first = await upgrade('head');
    expect(first.code, first.stderr).toBe(0);
    expect(listingFiles()).toHaveLength(1);
    const saved = JSON.parse(readFileSync(path.join(cacheDir, listingFiles()[0]!), 'utf8')) as {
      revisions: { revision: string }[];
    };
    expect(saved.revisions.map((r) => r.revision).sort()).toEqual(['a1', 'a2']);

    // A revision added since: the saved listing does not know a3, so a preflight that used it
    // would refuse the target (exit 2).
    await writeFile(path.join(project, 'versions', 'a3.py'), revision('a3', 'a2'));
    const second = await upgrade('a3');
    expect(second.code, second.stderr).toBe(0);
    expect(await tables(second.db)).toEqual(['a1', 'a2', 'a3']);
  });

  it('only checks the history with it: what applies comes from the bridge', async () => {
    expect((await upgrade('head')).code).toBe(0);
    // A saved listing that names a revision the project does not have, its files unchanged:
    // the preflight takes it, the step (listing through the bridge) does not.
    const [file] = listingFiles();
    const where = path.join(cacheDir, file!);
    const saved = JSON.parse(readFileSync(where, 'utf8')) as {
      revisions: { revision: string; down_revisions: string[]; path: string }[];
    };
    const a3 = saved.revisions.find((r) => r.revision === 'a3')!;
    saved.revisions.unshift({ ...a3, revision: 'ghost', down_revisions: ['a3'] });
    writeFileSync(where, JSON.stringify(saved), { mode: 0o600 });

    const run = await upgrade('ghost');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/ghost/);
    // The step planned from the bridge's listing: nothing applied.
    expect(await tables(run.db)).toEqual([]);
  });
});
