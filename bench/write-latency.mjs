// Row 6: durable write latency. (a) checkpoint writes: writeFileAtomic (temp file, fsync, rename,
// directory fsync) of a ~20 KB snapshot file shaped like a migrate step's checkpoint, 500 times,
// compared with a plain write + fsync of the same bytes; (b) EventLog.append (one fsynced,
// hash-chained line) 500 times. p50/p99 of each.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventLog } from '../dist/runs/event-log.js';
import { writeFileAtomic } from '../dist/runs/write-file-atomic.js';
import { fmtMs, fmtRatio, quantile } from './lib/stats.mjs';

const WRITES = 500;
// No issue sets these; budgets so that one checkpoint per migration stays small next to a
// migration's own commit (PostgreSQL fsyncs its WAL on every COMMIT too).
const CHECKPOINT_P50_MS = 5;
const CHECKPOINT_P99_MS = 50;
const APPEND_P50_MS = 5;
const APPEND_P99_MS = 50;

/** A snapshot.json-like text of at least 20 KB: 160 migrations' checksums and the applied list. */
function snapshotText() {
  const checksums = {};
  const applied = [];
  for (let i = 0; i < 160; i++) {
    const rev = `${String(i).padStart(3, '0')}_migration_number_${i}`;
    checksums[rev] = createHash('sha256').update(rev).digest('hex');
    applied.push(rev);
  }
  const file = {
    format: 1,
    procedureHash: createHash('sha256').update('upgrade').digest('hex'),
    xstateVersion: '5',
    savedAt: new Date().toISOString(),
    snapshot: { status: 'active', value: { main: { migrate: 'running' } }, context: {} },
    progress: { migrate: { checksums, applied } },
  };
  return JSON.stringify(file, null, 2) + '\n';
}

async function samples(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

const p = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) });

export async function run({ work, note }) {
  const dir = path.join(work, 'write-latency');
  mkdirSync(dir, { recursive: true });
  const text = snapshotText();
  const file = path.join(dir, 'snapshot.json');
  const plainFile = path.join(dir, 'plain.json');
  // Interleaved in pairs so disk contention hits both alike.
  const atomic = [];
  const plain = [];
  for (let i = 0; i < WRITES; i++) {
    let t0 = performance.now();
    await writeFileAtomic(file, text);
    atomic.push(performance.now() - t0);
    t0 = performance.now();
    const fd = openSync(plainFile, 'w');
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    plain.push(performance.now() - t0);
  }
  const log = EventLog.open(path.join(dir, 'events.jsonl'));
  const data = {
    revision: '064_worker_registry',
    file: 'examples/nova/after/064_worker_registry.sql',
    duration_ms: 12,
    statements: 4,
    index: 64,
    total: 124,
    target: 'head',
  };
  const appends = await samples(WRITES, (i) =>
    log.append('migration.applied', 'migrate', { ...data, index: i }),
  );
  await log.close();
  const a = p(atomic);
  const b = p(plain);
  const e = p(appends);
  note(
    `6: ${WRITES} checkpoint writes of ${(Buffer.byteLength(text) / 1024).toFixed(1)} KB; plain ` +
      `write+fsync of the same bytes p50 ${fmtMs(b.p50)}, p99 ${fmtMs(b.p99)} (the ratio ` +
      `column: atomic p50 / plain p50 — the rename and directory fsync). These are the ` +
      `run's durability barriers (before each step's action, and when a stopped run rests); a migration itself ` +
      `costs the engine no fsync: its log line is written at once and fsynced with the next ` +
      `durable event, and PostgreSQL's COMMIT is what makes it durable.`,
  );
  return [
    {
      what: '6a checkpoint write, ~20 KB, fsync (writeFileAtomic), p50 / p99',
      value: `${fmtMs(a.p50)} / ${fmtMs(a.p99)} (n=${WRITES})`,
      ratio: fmtRatio(a.p50 / b.p50),
      target: `≤ ${CHECKPOINT_P50_MS} ms / ≤ ${CHECKPOINT_P99_MS} ms`,
      pass: a.p50 <= CHECKPOINT_P50_MS && a.p99 <= CHECKPOINT_P99_MS,
    },
    {
      what: '6b event append, fsync (EventLog.append), p50 / p99',
      value: `${fmtMs(e.p50)} / ${fmtMs(e.p99)} (n=${WRITES})`,
      target: `≤ ${APPEND_P50_MS} ms / ≤ ${APPEND_P99_MS} ms`,
      pass: e.p50 <= APPEND_P50_MS && e.p99 <= APPEND_P99_MS,
    },
  ];
}
