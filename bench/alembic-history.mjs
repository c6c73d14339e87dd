// Row 8: long Alembic histories (50, 150 and 300 revisions, generated here on the fly: a table
// every third revision, a column on it in the two after) applied to an empty database by plain
// `python3 -m alembic upgrade head` and by `runbook run upgrade` on the alembic layout (the
// consumer project's node_modules/.bin/runbook, as the other CLI rows run it), interleaved. Both
// must leave every table and the last revision in alembic_version. Shows the ratio per history
// length and the cost per revision, which must not grow with the history.
// Skipped with the reason when /usr/bin/python3 cannot import alembic and psycopg2.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { consumerProject } from './lib/consumer.mjs';
import { appliedTimes, cliUpgrade } from './lib/engine.mjs';
import { alembicPython } from './lib/machine.mjs';
import { fmtMs, fmtRatio, median, pairedRatio } from './lib/stats.mjs';

const SIZES = [50, 150, 300];
const LONGEST = SIZES[SIZES.length - 1];
const TARGET = 1.3;
const WHAT = (n) =>
  `8${'abc'[SIZES.indexOf(n)]} alembic layout, ${n} generated revisions: CLI vs plain \`alembic upgrade head\``;

// env.py as `alembic init` writes it (online part): one connection, `run_migrations()` in
// `begin_transaction()`, no transaction_per_migration.
const ENV_PY = `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

const rev = (i) => `r${String(i).padStart(4, '0')}`;
const tables = (n) => Math.ceil(n / 3);

/**
 * Writes an Alembic project of `n` linear revisions under `dir`; `perRevision`: its env.py asks
 * for a transaction per revision (`transaction_per_migration=True`), as runbook runs it.
 */
function generate(dir, n, perRevision = false) {
  mkdirSync(path.join(dir, 'versions'), { recursive: true });
  writeFileSync(
    path.join(dir, 'alembic.ini'),
    '[alembic]\nscript_location = .\nsqlalchemy.url = postgresql://localhost/placeholder\n',
  );
  const configure = 'context.configure(connection=connection, target_metadata=None';
  writeFileSync(
    path.join(dir, 'env.py'),
    perRevision
      ? ENV_PY.replace(configure, `${configure}, transaction_per_migration=True`)
      : ENV_PY,
  );
  for (let i = 1; i <= n; i++) {
    const table = `t${Math.floor((i - 1) / 3)}`;
    const change =
      (i - 1) % 3 === 0
        ? `op.create_table("${table}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))`
        : `op.add_column("${table}", sa.Column("c${i}", sa.Text))`;
    writeFileSync(
      path.join(dir, 'versions', `${rev(i)}_step.py`),
      `"""step ${i}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n` +
        `revision = "${rev(i)}"\ndown_revision = ${i === 1 ? 'None' : `"${rev(i - 1)}"`}\n` +
        `branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    ${change}\n\n\n` +
        `def downgrade():\n    pass\n`,
    );
  }
}

/** Throws unless `db` holds every generated table and records the last revision. */
async function checkOutcome(server, db, who, n) {
  const version = await server.query('SELECT version_num FROM alembic_version', [], db);
  const count = await server.query(
    `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'`,
    [],
    db,
  );
  const got = version.rows.map((r) => r.version_num).join(',');
  if (got !== rev(n) || count.rows[0].n !== tables(n)) {
    throw new Error(
      `${who}: version ${got} (want ${rev(n)}), ${count.rows[0].n}/${tables(n)} tables`,
    );
  }
}

/**
 * Mean interval (ms) between consecutive `migration.applied` times over revisions 51–150
 * (`early`) and 151–300 (`late`) of one run of `n` revisions; throws unless it logged all `n`.
 */
function lateVsEarly(times, n) {
  if (times.length !== n) throw new Error(`runbook logged ${times.length} of ${n} revisions`);
  const mean = (from, to) => (times[to - 1] - times[from - 2]) / (to - from + 1);
  return { early: mean(51, 150), late: mean(151, n) };
}

/** Plain Alembic on `db`: its own process, the URL in a copy of the ini. Returns ms. */
function plainUpgrade(py, project, server, db) {
  const ini = path.join(project, `alembic-${db}.ini`);
  writeFileSync(
    ini,
    `[alembic]\nscript_location = .\nsqlalchemy.url = ${server.urlFor(db).replace(/%/g, '%%')}\n`,
  );
  const start = performance.now();
  const r = spawnSync(py.python, ['-m', 'alembic', '-c', ini, 'upgrade', 'head'], {
    cwd: project,
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(`alembic exited ${r.status}: ${r.stderr.slice(-1500).replace(/\s+/g, ' ')}`);
  }
  return ms;
}

export async function run({ server, work, reps, note }) {
  const py = alembicPython();
  if (!py) {
    return SIZES.map((n) => ({
      what: WHAT(n),
      value:
        'skipped: /usr/bin/python3 cannot import alembic and psycopg2 (apt-get install python3-alembic python3-psycopg2)',
      target: `≤ ${TARGET}×`,
      status: 'SKIP',
    }));
  }
  const runsDir = path.join(work, 'alembic-history-runs');
  const consumer = consumerProject(path.join(work, 'consumer'));
  const rows = [];
  const perRevision = [];
  const withinRun = [];
  for (const n of SIZES) {
    const project = path.join(work, `alembic-history-${n}`);
    const perRevisionProject = path.join(work, `alembic-history-${n}-tpm`);
    generate(project, n);
    generate(perRevisionProject, n, true);
    const samples = { plain: [], tpm: [], cli: [] };
    for (let i = 0; i < reps; i++) {
      const a = await server.createDatabase(`alh_plain_${n}`);
      samples.plain.push(plainUpgrade(py, project, server, a));
      await checkOutcome(server, a, 'plain alembic', n);
      await server.dropDatabase(a);
      const c = await server.createDatabase(`alh_tpm_${n}`);
      samples.tpm.push(plainUpgrade(py, perRevisionProject, server, c));
      await checkOutcome(server, c, 'plain alembic, transaction_per_migration', n);
      await server.dropDatabase(c);
      const b = await server.createDatabase(`alh_cli_${n}`);
      const { ms, result } = await cliUpgrade(server, consumer, {
        database: b,
        migrations: project,
        runsDir,
      });
      await checkOutcome(server, b, 'runbook run upgrade', n);
      await server.dropDatabase(b);
      samples.cli.push(ms);
      if (n === LONGEST) withinRun.push(lateVsEarly(appliedTimes(result.runDir), n));
    }
    const ratio = pairedRatio(samples.cli, samples.plain);
    const cli = median(samples.cli);
    const plain = median(samples.plain);
    const tpm = median(samples.tpm);
    perRevision.push({ n, cli, plain });
    rows.push({
      what: WHAT(n),
      value:
        `${fmtMs(cli)} vs plain ${fmtMs(plain)}; per revision ${fmtMs(cli / n)} vs ${fmtMs(plain / n)}; ` +
        `plain with a transaction per revision ${fmtMs(tpm)} (CLI ${fmtRatio(pairedRatio(samples.cli, samples.tpm))} of it)`,
      ratio: fmtRatio(ratio),
      target: n >= 100 ? `≤ ${TARGET}×` : '—',
      pass: n >= 100 ? ratio <= TARGET : undefined,
      status: n >= 100 ? undefined : 'info',
    });
  }
  // 8d: within each 300-revision run, the mean time from one revision's migration.applied line
  // to the next over revisions 151–300 against 51–150. Both halves come from the same process, so
  // the machine's speed drifting between rounds cancels out; growth with the history shows as a
  // ratio above 1. The slopes between history lengths (medians of separate runs) are shown beside.
  const slope = (a, b, k) => (b[k] - a[k]) / (b.n - a.n);
  const [s50, s150, s300] = perRevision;
  const late = median(withinRun.map((r) => r.late));
  const early = median(withinRun.map((r) => r.early));
  const ratio8d = median(withinRun.map((r) => r.late / r.early));
  rows.push({
    what: `8d CLI cost per revision, revisions 151–300 vs 51–150 of the same ${LONGEST}-revision run`,
    value:
      `${fmtMs(late)} vs ${fmtMs(early)} (between history lengths: ` +
      `${fmtMs(slope(s150, s300, 'cli'))} vs ${fmtMs(slope(s50, s150, 'cli'))}; plain ` +
      `${fmtMs(slope(s150, s300, 'plain'))} vs ${fmtMs(slope(s50, s150, 'plain'))})`,
    ratio: fmtRatio(ratio8d),
    target: '≤ 1.3× (flat)',
    pass: ratio8d <= 1.3,
  });
  note(
    `8: generated linear Alembic histories (a table every third revision, a column on it in the ` +
      `two after; env.py as \`alembic init\` writes it, so plain Alembic runs all revisions in one ` +
      `transaction); plain = \`${py.python} -m alembic -c <ini> upgrade head\`, runbook = ` +
      `\`${consumer.bin} run upgrade\` (the upgrade procedure, layout detected as alembic), ` +
      `${reps} interleaved rounds per length, each on an empty database created outside the ` +
      `timing and checked (tables, alembic_version) before it counts. runbook runs env.py once and ` +
      `commits each revision in its own transaction (transaction_per_migration), recording it as ` +
      `it commits; the ratio is the median of the per-round ratios. Each round also runs plain ` +
      `Alembic with \`transaction_per_migration=True\` in env.py (the commits runbook makes), shown ` +
      `beside. 8d: in each ${LONGEST}-revision CLI run, the mean interval between consecutive ` +
      `migration.applied lines over revisions 151–300 against 51–150 (median over rounds).`,
  );
  return rows;
}
