// Row 3: resume after the failure at 115 vs a full uninterrupted run, on examples/nova/before with
// `runs` and `agents` pre-created (examples/nova/fixes/pre-create-*.sql). The broken run stops at
// 115_add_inflection_point_metadata (`sdsr_incidents` was dropped by 075); the fixed 115 from
// examples/nova/fixes is copied in and the run resumed (library resumeRun). The full run uses the
// fixed history from the start. Setup (pre-creating the tables) is outside both timings.
import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertSucceeded, libraryResume, libraryUpgrade } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median } from './lib/stats.mjs';

const NOVA = path.join(ROOT, 'examples', 'nova');
const FIXES = path.join(NOVA, 'fixes');
const M115 = '115_add_inflection_point_metadata.sql';
const TARGET = 0.15;

/** A private copy of before/ (the working tree is shared), optionally with 115 fixed. */
function historyCopy(dir, fixed) {
  cpSync(path.join(NOVA, 'before'), dir, { recursive: true });
  if (fixed) copyFileSync(path.join(FIXES, M115), path.join(dir, M115));
  return dir;
}

/** A database with the ORM-owned `runs` and `agents` tables, as the report's workaround did. */
async function preparedDatabase(server, prefix) {
  const db = await server.createDatabase(prefix);
  for (const f of ['pre-create-runs.sql', 'pre-create-agents.sql']) {
    await server.query(readFileSync(path.join(FIXES, f), 'utf8'), [], db);
  }
  return db;
}

export async function run({ server, work, reps, note }) {
  const runsDir = path.join(work, 'resume-runs');
  const total = 124;
  let resumedApplied;
  const samples = await interleave(
    {
      full: async (i) => {
        const db = await preparedDatabase(server, 'full');
        const migrations = historyCopy(path.join(work, `full-${i}`), true);
        const { ms, result } = await libraryUpgrade(server, { database: db, migrations, runsDir });
        assertSucceeded(result, 'full run');
        if (result.outputs.migrate?.applied !== total) {
          throw new Error(`full run applied ${result.outputs.migrate?.applied}, want ${total}`);
        }
        await server.dropDatabase(db);
        return ms;
      },
      resume: async (i) => {
        const db = await preparedDatabase(server, 'resume');
        const migrations = historyCopy(path.join(work, `resume-${i}`), false);
        const broken = await libraryUpgrade(server, { database: db, migrations, runsDir });
        const failure = broken.result.failures[0];
        if (broken.result.status !== 'failed' || !failure?.migration?.startsWith('115_')) {
          throw new Error(
            `the broken run should stop at 115, got ${broken.result.status} ${failure?.code ?? ''} ${failure?.migration ?? ''}`,
          );
        }
        copyFileSync(path.join(FIXES, M115), path.join(migrations, M115));
        const { ms, result } = await libraryResume(server, {
          run: broken.result.runId,
          runsDir,
        });
        assertSucceeded(result, 'resume');
        resumedApplied = result.outputs.migrate?.applied;
        if (resumedApplied !== 10) {
          throw new Error(`the resume applied ${resumedApplied} migrations, want 10 (115..124)`);
        }
        await server.dropDatabase(db);
        return ms;
      },
    },
    reps,
  );
  const full = median(samples.full);
  const ratio = median(samples.resume) / full;
  note(
    `3: full = ${total} migrations of nova/before with the fixed 115 (${fmtSamples(samples.full)}); ` +
      `resume = \`resumeRun\` after the failure at 115 and the fix, applying ${resumedApplied} ` +
      `migrations (115..124), plus the rest of the procedure (version step).`,
  );
  return [
    {
      what: '3 resume from 115 vs full run, nova/before (library resumeRun)',
      value: `${fmtSamples(samples.resume)} vs full ${fmtMs(full)}`,
      ratio: `${(ratio * 100).toFixed(1)}% (${fmtRatio(ratio)})`,
      target: `≤ ${TARGET * 100}%`,
      pass: ratio <= TARGET,
    },
  ];
}
