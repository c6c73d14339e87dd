// Row 7: what every CLI invocation pays, through node_modules/.bin/runbook of a project depending
// on runbook (see lib/consumer.mjs), each interleaved with a bare `node -e ""` (the ratio column,
// so both see the same machine load): `runbook --help`, `runbook list` (the shipped procedures/),
// and the fixed cost of a run: `runbook run upgrade` of examples/nova/after on a database already
// at its head (nothing to apply: the procedure, the 125 files read and checked, the run
// directory, the three steps, the connections). Where NODE_EXTRA_CA_CERTS is set (a proxy's or a
// sandbox's CA bundle), Node reads and parses that bundle as it starts, before any of runbook's code
// runs: the three commands and the bare Node are then measured again without it (7d–7f, info), to
// show what runbook costs on a machine that does not set it.
import { cpSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { consumerProject } from './lib/consumer.mjs';
import { cli, cliUpgrade } from './lib/engine.mjs';
import { engineEnv, ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median } from './lib/stats.mjs';

const RUNS = 20;
const NOOP_RUNS = 10;
// Issue 16: `runbook --help` ≤ 100 ms, `runbook list` ≤ 150 ms, a no-op `upgrade` ≤ 150 ms.
const HELP_TARGET_MS = 100;
const LIST_TARGET_MS = 150;
const NOOP_TARGET_MS = 150;

function bareNode(env = process.env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore', env });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

async function checked(project, args, expect, env = engineEnv()) {
  const out = await cli(project, args, { env });
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
  const noop = async (env) => {
    const { ms, result } = await cliUpgrade(server, project, { ...upgrade, env });
    if (result.outputs.migrate?.applied !== 0 || result.outputs.migrate?.plan_total !== 0) {
      throw new Error(`a no-op upgrade applied ${result.outputs.migrate?.applied} migrations`);
    }
    if (result.outputs.version?.is_head !== true) {
      throw new Error('a no-op upgrade did not report the database at its head');
    }
    return ms;
  };
  const measure = async (env, nodeEnv) => {
    const s = await interleave(
      {
        node: () => bareNode(nodeEnv),
        help: () => checked(project, ['--help'], /Usage: runbook/, env),
      },
      RUNS,
    );
    return Object.assign(
      s,
      await interleave(
        {
          list: () => checked(project, ['list', '--procedures', procedures], /upgrade/, env),
          noop: () => noop(env),
          noopNode: () => bareNode(nodeEnv),
        },
        NOOP_RUNS,
        { warmup: 1 },
      ),
    );
  };
  const s = await measure(engineEnv(), process.env);
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const withoutCa = (env) => {
    const out = { ...env };
    delete out.NODE_EXTRA_CA_CERTS;
    return out;
  };
  const plain = extraCa ? await measure(withoutCa(engineEnv()), withoutCa(process.env)) : undefined;
  await server.dropDatabase(database);
  note(
    `7: through ${project.bin}; bare \`node -e ""\` ${fmtSamples(s.node)} (the ratio column ` +
      `divides by it). \`list\` summarises every procedure in procedures/, parsing only those ` +
      `changed since the last \`list\` (none after the warm-up). The no-op ` +
      `upgrade runs on a database the first run brought to the head (${total} applied then); ` +
      `each must apply 0 and report the database at its head.` +
      (plain
        ? ` NODE_EXTRA_CA_CERTS is set here (${extraCa}): Node parses that bundle as it starts; ` +
          `7d–7f are the same commands without it, bare \`node -e ""\` then ${fmtSamples(plain.node)}.`
        : ''),
  );
  const row = (what, values, target, base) => ({
    what,
    value: fmtSamples(values),
    ratio: `${fmtRatio(median(values) / base)} node`,
    target: `≤ ${fmtMs(target)}`,
    pass: median(values) <= target,
  });
  const rows = (m, [help, list, noopRow], suffix) => [
    row(
      `${help} \`runbook --help\` (median of ${RUNS})${suffix}`,
      m.help,
      HELP_TARGET_MS,
      median(m.node),
    ),
    row(
      `${list} \`runbook list\` (median of ${NOOP_RUNS})${suffix}`,
      m.list,
      LIST_TARGET_MS,
      median(m.node),
    ),
    row(
      `${noopRow} the fixed cost of a run: no-op \`runbook run upgrade\`, nova/after (median of ${NOOP_RUNS})${suffix}`,
      m.noop,
      NOOP_TARGET_MS,
      median(m.noopNode),
    ),
  ];
  const info = (r) => ({ ...r, pass: undefined, status: r.pass ? 'info, within' : 'info, over' });
  return [
    ...rows(s, ['7a', '7b', '7c'], ''),
    ...(plain ? rows(plain, ['7d', '7e', '7f'], ', NODE_EXTRA_CA_CERTS unset').map(info) : []),
  ];
}
