// `npm run bench`: every benchmark in one run against one embedded PostgreSQL it starts and stops
// itself, printing the machine's description and a table of ratios measured in that run.
// Usage: node bench/run-all.mjs [name...]   (names: floor alembic alembic-history resume catalog
// replay write cli instructions fleet)
// Environment: BENCH_REPS (default 3) repetitions of each engine/floor pair; BENCH_FLEET_TARGETS
// (default 200) databases in each fleet of the `fleet` row.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { ROOT, startServer, tempDir } from './lib/server.mjs';
import { describeMachine } from './lib/machine.mjs';
import { fmtMs } from './lib/stats.mjs';

const BENCHES = [
  ['floor', './engine-vs-floor.mjs'],
  ['alembic', './alembic-vs-plain.mjs'],
  ['alembic-history', './alembic-history.mjs'],
  ['resume', './resume-115.mjs'],
  ['catalog', './catalog-10k.mjs'],
  ['replay', './replay-100k.mjs'],
  ['write', './write-latency.mjs'],
  ['cli', './cli-cold-start.mjs'],
  ['instructions', './cli-instructions.mjs'],
  ['fleet', './fleet-throughput.mjs'],
];

function out(line = '') {
  process.stdout.write(line + '\n');
}

/** Renders rows as a Markdown table (what / measured / ratio / target / result). */
function table(rows) {
  const head = ['what', 'measured', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.what,
    r.value,
    r.ratio ?? '—',
    r.target ?? '—',
    r.pass === true ? 'PASS' : r.pass === false ? 'MISS' : (r.status ?? 'SKIP'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
}

async function main() {
  for (const built of [
    ['engine', 'run-procedure.js'],
    ['bin', 'main.cjs'],
  ]) {
    if (!existsSync(path.join(ROOT, 'dist', ...built))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
    }
  }
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES.some(([n]) => n === w));
  if (unknown.length > 0) {
    throw new Error(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHES.map(([n]) => n).join(' ')}`,
    );
  }
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const started = performance.now();
  const server = await startServer();
  const work = tempDir('work');
  const rows = [];
  const notes = [];
  let errors = 0;
  try {
    out('# runbook benchmark');
    out();
    for (const l of await describeMachine(server)) out(`    ${l}`);
    out();
    for (const [name, file] of BENCHES) {
      if (wanted.length > 0 && !wanted.includes(name)) continue;
      const t = performance.now();
      process.stderr.write(`bench: ${name} ...\n`);
      try {
        const mod = await import(file);
        rows.push(...(await mod.run({ server, work, reps, note: (n) => notes.push(n) })));
      } catch (err) {
        errors += 1;
        rows.push({
          what: name,
          value: `error: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
          status: 'ERROR',
        });
        process.stderr.write(`bench: ${name} failed: ${err instanceof Error ? err.stack : err}\n`);
      }
      process.stderr.write(`bench: ${name} done in ${fmtMs(performance.now() - t)}\n`);
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  for (const l of table(rows)) out(l);
  out();
  for (const n of notes) out(`- ${n}`);
  out();
  out(
    `Total ${fmtMs(performance.now() - started)}; ${reps} interleaved repetitions per engine/floor ` +
      `pair (BENCH_REPS), medians compared. The machine is shared: ratios, not absolute times.`,
  );
  if (errors > 0 || rows.some((r) => r.status === 'ERROR')) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
