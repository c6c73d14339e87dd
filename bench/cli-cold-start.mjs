// Row 7: what every CLI invocation pays, through node_modules/.bin/runbook of a project depending
// on runbook (see lib/consumer.mjs), each interleaved with a bare `node -e ""` (the ratio column,
// so both see the same machine load): `runbook --help`, `runbook list` (the shipped procedures/),
// and the fixed cost of a run: `runbook run upgrade` of examples/nova/after on a database already
// at its head (nothing to apply: the procedure, the 125 files read and checked, the run
// directory, the three steps, the connections).
import { cpSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { consumerProject } from './lib/consumer.mjs';
import { cli, cliUpgrade } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median } from './lib/stats.mjs';

const RUNS = 20;
const NOOP_RUNS = 10;
// Issue 16: `runbook --help` ≤ 100 ms, `runbook list` ≤ 150 ms, a no-op `upgrade` ≤ 150 ms.
const HELP_TARGET_MS = 100;
const LIST_TARGET_MS = 150;
const NOOP_TARGET_MS = 150;

function bareNode() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

async function checked(project, args, expect) {
  const out = await cli(project, args);
  if (out.code !== 0 || !expect.test(out.stdout)) {
    throw new Error(`runbook ${args.join(' ')} exited ${out.code}: ${out.stderr.slice(-400)}`);
  }
  return out.ms;
}

export async function run({ server, work, note }) {
  const project = consumerProject(path.join(work, 'consumer'));
  const procedures = path.join(ROOT, 'procedures');
  const history = path.join(work, 'cli-history');
  cpSync(path.join(ROOT, 'examples', 'nova', 'after'), history, { recursive: true });
  const runsDir = path.join(work, 'cli-runs');
  const database = await server.createDatabase('noop');
  const upgrade = { database, migrations: history, runsDir };
  const first = await cliUpgrade(server, project, upgrade);
  const total = first.result.outputs.migrate?.applied;
  // Each no-op run must find the database at the head, apply nothing and report the version.
  const noop = async () => {
    const { ms, result } = await cliUpgrade(server, project, upgrade);
    if (result.outputs.migrate?.applied !== 0 || result.outputs.migrate?.plan_total !== 0) {
      throw new Error(`a no-op upgrade applied ${result.outputs.migrate?.applied} migrations`);
    }
    if (result.outputs.version?.is_head !== true) {
      throw new Error('a no-op upgrade did not report the database at its head');
    }
    return ms;
  };
  const s = await interleave(
    {
      node: () => bareNode(),
      help: () => checked(project, ['--help'], /Usage: runbook/),
    },
    RUNS,
  );
  Object.assign(
    s,
    await interleave(
      {
        list: () => checked(project, ['list', '--procedures', procedures], /upgrade/),
        noop,
        noopNode: () => bareNode(),
      },
      NOOP_RUNS,
      { warmup: 1 },
    ),
  );
  await server.dropDatabase(database);
  const node = median(s.node);
  note(
    `7: through ${project.bin}; bare \`node -e ""\` ${fmtSamples(s.node)} (the ratio column ` +
      `divides by it). \`list\` loads and validates every procedure in procedures/. The no-op ` +
      `upgrade runs on a database the first run brought to the head (${total} applied then); ` +
      `each must apply 0 and report the database at its head.`,
  );
  const row = (what, values, target, base = node) => ({
    what,
    value: fmtSamples(values),
    ratio: `${fmtRatio(median(values) / base)} node`,
    target: `≤ ${fmtMs(target)}`,
    pass: median(values) <= target,
  });
  return [
    row(`7a \`runbook --help\` (median of ${RUNS})`, s.help, HELP_TARGET_MS),
    row(`7b \`runbook list\` (median of ${NOOP_RUNS})`, s.list, LIST_TARGET_MS),
    row(
      `7c the fixed cost of a run: no-op \`runbook run upgrade\`, nova/after (median of ${NOOP_RUNS})`,
      s.noop,
      NOOP_TARGET_MS,
      median(s.noopNode),
    ),
  ];
}
