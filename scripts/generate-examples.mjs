#!/usr/bin/env node
/**
 * Writes the generated example histories (deterministically; run `node scripts/generate-examples.mjs`
 * and commit the result):
 *
 * - examples/nova/before/  the 124 migrations as reported, defects included (`runs`/`agents` never
 *                          created, 115 altering the `sdsr_incidents` that 075 dropped);
 * - examples/nova/after/   the same history with the report's recommended remedy: a base migration
 *                          `000_bootstrap_runs_agents` and a guarded 115;
 * - examples/nova/fixes/   the fixes applied by hand during the walkthrough (pre-create `runs`,
 *                          pre-create `agents`, replacement 115);
 * - examples/nova/orm-bootstrap.sql  the ORM's schema as one script (two-path-ci Path B).
 *
 * skeldir and autonomos are hand-written. `--check` exits 1 when a committed file is stale.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FOUNDATION } from './nova/history-foundation.mjs';
import { GOVERNANCE } from './nova/history-governance.mjs';
import { RUNS } from './nova/history-runs.mjs';
import { LATE, M115_GUARDED } from './nova/history-late.mjs';
import { agentsBaseDdl, runsBaseDdl } from './nova/sql.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NOVA = path.join(ROOT, 'examples', 'nova');
const HEAD = '124_prevention_records_run_id';

/** Tables each schema ends with, not counting `runs`, `agents` and `alembic_version` (001_*.txt). */
const EXPECTED_CREATED = {
  agents: 13,
  contracts: 1,
  m10_recovery: 12,
  m11_audit: 4,
  policy: 14,
  public: 133,
  routing: 4,
  system: 3,
};
// The source report says "14 views across 5 schemas" but its per-schema breakdown (public 7) sums
// to 13; the total is the figure the procedures check, so public holds the 14th view.
const EXPECTED_VIEWS = { agents: 2, m10_recovery: 2, m11_audit: 1, public: 8, routing: 1 };

const pad = (n) => String(n).padStart(3, '0');
const revisionOf = (m) => `${pad(m.n)}_${m.slug}`;

/**
 * One migration file in the alembic-sql layout.
 *
 * @param {{ revision: string, down: string, message: string, sql: string, transaction?: boolean }} m
 */
function render(m) {
  const header = [
    `-- revision: ${m.revision}`,
    m.down ? `-- down_revision: ${m.down}` : '-- down_revision:',
    `-- message: ${m.message}`,
    ...(m.transaction === false ? ['-- transaction: false'] : []),
  ];
  return `${header.join('\n')}\n\n${m.sql.trim()}\n`;
}

/** Checks numbering and the final table/view inventory implied by the SQL text. */
function validate(history) {
  history.forEach((m, i) => {
    if (m.n !== i + 1) throw new Error(`migration ${i + 1} missing or out of order (found ${m.n})`);
  });
  if (revisionOf(history[history.length - 1]) !== HEAD) throw new Error('head revision changed');
  const tables = new Map();
  const views = new Map();
  for (const m of history) {
    for (const [, name] of m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z0-9_.]+)/g))
      tables.set(name.includes('.') ? name : `public.${name}`, m.n);
    for (const [, name] of m.sql.matchAll(/DROP TABLE (?:IF EXISTS )?([a-z0-9_.]+)/g))
      tables.delete(name.includes('.') ? name : `public.${name}`);
    for (const [, name] of m.sql.matchAll(/CREATE VIEW ([a-z0-9_.]+)/g))
      views.set(name.includes('.') ? name : `public.${name}`, m.n);
  }
  const count = (map) => {
    const out = {};
    for (const k of [...map.keys()].sort()) out[k.split('.')[0]] = (out[k.split('.')[0]] ?? 0) + 1;
    return out;
  };
  const got = JSON.stringify(count(tables));
  if (got !== JSON.stringify(EXPECTED_CREATED)) throw new Error(`table inventory: ${got}`);
  const gotViews = JSON.stringify(count(views));
  if (gotViews !== JSON.stringify(EXPECTED_VIEWS)) throw new Error(`view inventory: ${gotViews}`);
}

/** Every generated file: path relative to examples/nova → content. */
function build() {
  const history = [...FOUNDATION, ...GOVERNANCE, ...RUNS, ...LATE];
  validate(history);
  const files = new Map();
  history.forEach((m, i) => {
    const revision = revisionOf(m);
    const down = i === 0 ? '' : revisionOf(history[i - 1]);
    files.set(`before/${revision}.sql`, render({ ...m, revision, down }));
    const after = {
      ...m,
      revision,
      down: i === 0 ? '000_bootstrap_runs_agents' : down,
      sql: m.n === 115 ? M115_GUARDED : m.sql,
    };
    files.set(`after/${revision}.sql`, render(after));
    if (m.n === 115) files.set(`fixes/${revision}.sql`, render(after));
  });
  files.set(
    'after/000_bootstrap_runs_agents.sql',
    render({
      revision: '000_bootstrap_runs_agents',
      down: '',
      message: 'Bootstrap ORM-owned runs and agents base tables',
      sql: [
        '-- runs and agents were created only by the ORM at application startup, yet migrations 065',
        '-- and 073 alter them. Creating their base schemas here makes the chain self-contained; IF NOT',
        '-- EXISTS keeps it harmless on databases the ORM already bootstrapped.',
        runsBaseDdl(),
        '',
        agentsBaseDdl(),
      ].join('\n'),
    }),
  );
  files.set(
    'fixes/pre-create-runs.sql',
    `-- Fix for the failure at 065 (relation "runs" does not exist): the base table the ORM would have\n-- created, 18 columns and 5 indexes. Apply once before resuming; safe to apply twice.\n\n${runsBaseDdl()}\n`,
  );
  files.set(
    'fixes/pre-create-agents.sql',
    `-- Fix for the failure at 073 (relation "agents" does not exist): the base table the ORM would\n-- have created, 16 columns and 2 indexes. Apply once before resuming; safe to apply twice.\n\n${agentsBaseDdl()}\n`,
  );
  files.set('orm-bootstrap.sql', ormBootstrap(files));
  return files;
}

/**
 * The schema the application's ORM models declare, as one SQL script, for the two-path check's
 * Path B (bootstrap, then stamp head). Written out from after/ so that a correct history and its
 * models agree exactly; the CONCURRENTLY index becomes a plain one, since a script runs as one
 * implicit transaction.
 */
function ormBootstrap(files) {
  const parts = [
    '-- Generated by scripts/generate-examples.mjs: the full nova schema as the ORM would create it',
    '-- (Path B of two-path-ci: apply this, then stamp head). Equal, by construction, to upgrading',
    '-- examples/nova/after from empty, apart from the version table.',
  ];
  const after = [...files.keys()].filter((k) => k.startsWith('after/')).sort();
  for (const rel of after) {
    const body = files.get(rel).replace(/^(--.*\n)+\n/, '');
    parts.push('', `-- ${path.basename(rel, '.sql')}`, body.replace(' CONCURRENTLY', '').trim());
  }
  return `${parts.join('\n')}\n`;
}

function sqlFilesUnder(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')) : [];
}

function main() {
  const check = process.argv.includes('--check');
  const files = build();
  const stale = [];
  for (const sub of ['before', 'after', 'fixes', '.']) {
    for (const f of sqlFilesUnder(path.join(NOVA, sub))) {
      if (!files.has(path.posix.join(sub, f))) {
        stale.push(`${sub}/${f} (unexpected)`);
        if (!check) rmSync(path.join(NOVA, sub, f));
      }
    }
  }
  for (const [rel, content] of files) {
    const file = path.join(NOVA, rel);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (current === content) continue;
    stale.push(rel);
    if (!check) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  if (check && stale.length > 0) {
    console.error(`stale generated examples:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.error(
    check
      ? 'examples are up to date'
      : `wrote ${stale.length} of ${files.size} files under examples/nova`,
  );
}

main();
