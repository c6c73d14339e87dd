import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { addAuthorityOptions } from './authority-flags.js';
import { reportError } from './exit.js';

// Heavy modules (pg, xstate, kysely, the parser) are imported inside each verb so that
// `runbook --help` and argument errors start fast: CI invokes the CLI once per step.

interface Common {
  procedures: string;
  runsDir: string;
  store?: string;
  databaseUrl?: string;
  json?: boolean;
}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0)
    // InvalidArgumentError: commander prints it naming the option (a bare CommanderError is silent).
    throw new InvalidArgumentError(`--param expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Runs the CLI with `argv` (without node and script); resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  let json = argv.includes('--json');
  const program = new Command('runbook')
    .description(
      'Run named PostgreSQL procedures as checkpointed, resumable, replayable state machines',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run `runbook --help` for usage)');

  const common = (cmd: Command): Command =>
    cmd
      .option('--procedures <dir>', 'procedures directory', 'procedures')
      .option('--runs-dir <dir>', 'runs directory', 'runs')
      .option(
        '--store <url>',
        'run store: a postgres:// URL or a runs directory (default $RUNBOOK_STORE)',
      )
      .option(
        '--database-url <url>',
        'server URL (maintenance database); default DATABASE_URL, else the embedded server',
      );

  common(
    program
      .command('list')
      .description('procedures found in the procedures directory')
      .option('--json'),
  ).action(async (o: Common) => {
    const { listProcedures } = await import('./verbs/list.js');
    exitCode = await listProcedures(o);
  });

  common(
    program
      .command('show <procedure>')
      .description('params, requirements and steps of a procedure')
      .option('--json'),
  ).action(async (name: string, o: Common) => {
    const { showProcedure } = await import('./verbs/show.js');
    exitCode = await showProcedure(name, o);
  });

  common(
    program
      .command('compile [procedures...]')
      .description('write machines/<name>.json and machines/<name>.md; --check exits 1 when stale')
      .option('--check', 'write nothing; exit 1 when a committed machine is stale')
      .option('--machines <dir>', 'machines directory', 'machines'),
  ).action(async (names: string[], o: Common & { check?: boolean; machines: string }) => {
    const { compileVerb } = await import('./verbs/compile.js');
    exitCode = await compileVerb(names, o);
  });

  common(
    addAuthorityOptions(program.command('run <procedure>'))
      .description('run a procedure from the start')
      .option(
        '--param <key=value>',
        'procedure parameter (value parsed as YAML); repeatable',
        collectParam,
        {},
      )
      .option('--json', 'print one result object on stdout')
      .option('--dry-run', 'validate, check authority and show the plan; execute nothing'),
  ).action(async (name: string, o) => {
    const { runVerb } = await import('./verbs/run.js');
    exitCode = await runVerb(name, o, argv);
  });

  common(
    program
      .command('runs')
      .description('runs with status, procedure, where they stopped, age')
      .option('--json'),
  ).action(async (o: Common) => {
    const { runsVerb } = await import('./verbs/runs.js');
    exitCode = await runsVerb(o);
  });

  common(
    program.command('inspect <run-id>').description('where a run stopped and why').option('--json'),
  ).action(async (id: string, o: Common) => {
    const { inspectVerb } = await import('./verbs/inspect.js');
    exitCode = await inspectVerb(id, o);
  });

  common(
    addAuthorityOptions(program.command('resume <run-id>'))
      .description('continue a run from where it stopped (the failed or interrupted step)')
      .option('--retry', 'retry the failed step(s) (default)')
      .option('--skip <step>', 'mark a failed step done by hand, or an in-doubt migration applied')
      .option('--allow-changed', 'accept applied migrations whose files changed')
      .option('--allow-procedure-change', 'accept a procedure file changed since the run started')
      .option(
        '--note <text>',
        'what you did between attempts (e.g. "ran pre-create-runs.sql"); recorded in the log',
      )
      .option(
        '--break-lock',
        'take the run lock from a holder that is gone (a reused pid, another host); recorded in the log',
      )
      .option(
        '--param <key=value>',
        'secret params again (they are never stored)',
        collectParam,
        {},
      )
      .option('--json', 'print one result object on stdout'),
  ).action(async (id: string, o) => {
    const { resumeVerb } = await import('./verbs/resume.js');
    exitCode = await resumeVerb(id, o, argv);
  });

  common(
    program
      .command('replay <run-id>')
      .description('offline: verify the log chain and re-drive the machine')
      .option('--json'),
  ).action(async (id: string, o: Common) => {
    const { replayVerb } = await import('./verbs/replay.js');
    exitCode = await replayVerb(id, o);
  });

  common(
    program
      .command('report <run-id>')
      .description('offline: write a self-contained HTML report of a run (exit 4 when tampered)')
      .requiredOption('--html <file>', 'where to write the HTML report')
      .option('--json', 'print the file written and the integrity verdict on stdout'),
  ).action(async (id: string, o: Common & { html: string }) => {
    const { reportVerb } = await import('./verbs/report.js');
    exitCode = await reportVerb(id, o);
  });

  common(
    program
      .command('export <run-id> <dir>')
      .description(
        'write a run from the store as the run directory <dir>/<run-id> (replays offline)',
      )
      .option('--json'),
  ).action(async (id: string, dir: string, o: Common) => {
    const { exportVerb } = await import('./verbs/export.js');
    exitCode = await exportVerb(id, dir, o);
  });

  common(
    program
      .command('import <run-dir>')
      .description('load a run directory into the store (its log must verify)')
      .option('--json'),
  ).action(async (dir: string, o: Common) => {
    const { importVerb } = await import('./verbs/import.js');
    exitCode = await importVerb(dir, o);
  });

  const fleet = program.command('fleet').description('one procedure over many databases');
  common(
    addAuthorityOptions(fleet.command('run <procedure>'))
      .description('run a procedure on every target of a targets file (each its own run)')
      .requiredOption('--targets <file>', 'targets file (YAML)')
      .option('--concurrency <n>', 'targets at once (default 4)')
      .option('--per-server <n>', 'targets at once on one server')
      .option('--queue', 'enqueue the targets for `runbook worker`s instead of driving them')
      .option('--param <key=value>', 'param of every target; repeatable', collectParam, {})
      .option('--json'),
  ).action(async (name: string, o) => {
    exitCode = await (await import('./verbs/fleet.js')).run(['run', name], o, { argv });
  });
  common(
    fleet
      .command('resume <fleet-id>')
      .description('resume the failed and unfinished targets of a fleet')
      .option('--concurrency <n>', "targets at once (default: the fleet's)")
      .option('--per-server <n>', 'targets at once on one server')
      .option('--json'),
  ).action(async (id: string, o) => {
    exitCode = await (await import('./verbs/fleet.js')).run(['resume', id], o, { argv });
  });
  common(
    fleet
      .command('inspect <fleet-id>')
      .description('per-target status and summary')
      .option('--json'),
  ).action(async (id: string, o) => {
    exitCode = await (await import('./verbs/fleet.js')).run(['inspect', id], o, { argv });
  });
  common(
    fleet
      .command('report <fleet-id>')
      .description('one self-contained HTML page for the whole fleet')
      .requiredOption('--html <file>', 'where to write it')
      .option('--json'),
  ).action(async (id: string, o) => {
    exitCode = await (await import('./verbs/fleet.js')).run(['report', id], o, { argv });
  });
  common(
    program
      .command('worker')
      .description("take fleet targets from the store's queue until SIGINT/SIGTERM")
      .option('--concurrency <n>', 'jobs at once (default 2)')
      .option('--lock-timeout <seconds>', "hand a silent worker's job to another (default 60)"),
  ).action(async (o) => {
    exitCode = await (await import('./verbs/worker.js')).run([], o);
  });

  program
    .command('db <action>')
    .description('the embedded PostgreSQL: start | stop | url')
    .option(
      '--dir <dir>',
      'data directory (default: $RUNBOOK_EMBEDDED_DIR, else .runbook/postgres)',
    )
    .option('--database <name>', 'url: the URL of this database instead of `postgres`')
    .action(async (action: string, o: { dir?: string; database?: string }) => {
      const { dbVerb } = await import('./verbs/db.js');
      // The same directory `run` and `resume` use when they start the embedded server.
      const dir = o.dir ?? process.env.RUNBOOK_EMBEDDED_DIR ?? '.runbook/postgres';
      exitCode = await dbVerb(action, {
        dir,
        ...(o.database !== undefined ? { database: o.database } : {}),
      });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2; // commander already printed the message naming the flag
    }
    json = json || false;
    return reportError(err, json);
  }
}
