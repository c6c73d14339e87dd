// Row 10: what the CLI rows of row 7 cost in CPU instructions, counted by valgrind's callgrind
// (the same count for the same binary and inputs, whatever else the machine is doing), against a
// bare `node -e ""` counted the same way: a figure a loaded machine cannot blur. Each command is
// run once to warm the code cache (as row 7's warm-up), then counted. Skipped without valgrind.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { consumerProject } from './lib/consumer.mjs';
import { cli, cliUpgrade, upgradeArgs } from './lib/engine.mjs';
import { engineEnv, ROOT } from './lib/server.mjs';

const VALGRIND = '/usr/bin/valgrind';

/** Instructions `command args` executes under callgrind (it follows no child process). */
function instructions(command, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      VALGRIND,
      [
        '--tool=callgrind',
        // V8 writes the code it then runs: valgrind must re-read modified code.
        '--smc-check=all-non-file',
        '--callgrind-out-file=/dev/null',
        command,
        ...args,
      ],
      { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /Collected : (\d+)/.exec(stderr);
      if (code !== 0 || !m) {
        reject(
          new Error(`valgrind ${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-300)}`),
        );
      } else resolve(Number(m[1]));
    });
  });
}

const fmtCount = (n) => `${(n / 1e6).toFixed(0)} M`;

export async function run({ server, work, note }) {
  if (spawnSync(VALGRIND, ['--version']).status !== 0) {
    return [{ what: '10 CLI instructions (callgrind)', value: `no ${VALGRIND}`, status: 'SKIP' }];
  }
  const project = consumerProject(path.join(work, 'consumer'));
  const history = path.join(work, 'instructions-history');
  cpSync(path.join(ROOT, 'examples', 'nova', 'after'), history, { recursive: true });
  const runsDir = path.join(work, 'instructions-runs');
  const database = await server.createDatabase('instructions');
  const upgrade = { database, migrations: history, runsDir };
  // The first run applies the history (and writes the run verb's code cache); the counted one
  // applies nothing, as row 7c.
  await cliUpgrade(server, project, upgrade);
  const procedures = path.join(ROOT, 'procedures');
  const env = {
    ...engineEnv(),
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  const commands = [['--help'], ['list', '--procedures', procedures], upgradeArgs(server, upgrade)];
  for (const args of commands) await cli(project, args); // each verb's code cache
  const opts = { cwd: project.dir, env };
  const node = await instructions(process.execPath, ['-e', ''], opts);
  const counts = [];
  for (const args of commands) {
    counts.push(await instructions(process.execPath, [project.bin, ...args], opts));
  }
  const applied = await server.query('SELECT version_num FROM alembic_version', [], database);
  if (applied.rows[0]?.version_num !== '124_prevention_records_run_id') {
    throw new Error(`the counted runs left ${JSON.stringify(applied.rows)} in alembic_version`);
  }
  await server.dropDatabase(database);
  note(
    `10: instructions counted by \`valgrind --tool=callgrind\` (one run each, after a warm-up ` +
      `run that wrote the code cache); bare \`node -e ""\` ${fmtCount(node)}. The ratio column ` +
      `divides by it; "own" is the command's count minus Node's.`,
  );
  const labels = ['10a `runbook --help`', '10b `runbook list`', '10c no-op `runbook run upgrade`'];
  return counts.map((n, i) => ({
    what: `${labels[i]}: instructions (callgrind)`,
    value: `${fmtCount(n)} (own ${fmtCount(n - node)})`,
    ratio: `${(n / node).toFixed(2)}× node`,
    status: 'info',
  }));
}
