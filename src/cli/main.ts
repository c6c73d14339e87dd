import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { captureCacheSetting } from './bundled-verb.js';
import { reportError } from './exit.js';
import { PROGRAM_HELP_TEXT } from './help-text.js';
import type { Verb, VerbContext } from './verb.js';
import { VERBS } from './verb-table.js';

// Each verb's module (and with it pg, xstate, kysely, the parser) is imported only when that
// verb runs, so `runbook --help` and argument errors start fast: CI invokes the CLI once per step.

/** The version `--version` prints. */
const VERSION = '0.1.0';

/**
 * What a file never declares: the authority, the role and a production confirmation are given
 * per invocation (docs/design.md, "Database authority contract"), so that a file in the project
 * cannot confirm prod for whoever runs a command there.
 */
const INVOCATION_ONLY = ['DB_AUTHORITY', 'DB_ROLE', 'DB_ENV', 'CONFIRM_PROD_MIGRATIONS'] as const;

/**
 * The environment of a verb: `.env` in the working directory when present (Node's own parser;
 * variables already set win; {@link INVOCATION_ONLY} ones it sets are dropped, said once on
 * stderr), and `--no-color` as `NO_COLOR` (clearing `FORCE_COLOR`).
 */
function prepareEnvironment(options: { color?: boolean }): void {
  if (existsSync('.env')) {
    const unset = INVOCATION_ONLY.filter((k) => process.env[k] === undefined);
    process.loadEnvFile('.env');
    const dropped = unset.filter((k) => process.env[k] !== undefined);
    for (const k of dropped) delete process.env[k];
    if (dropped.length > 0) {
      process.stderr.write(
        `runbook: .env sets ${dropped.join(', ')}: ignored, the authority, role and prod confirmation are given per invocation\n`,
      );
    }
  }
  if (options.color === false) {
    process.env.NO_COLOR = '1';
    delete process.env.FORCE_COLOR;
  }
}

/** Adds one verb of the table to the program; its action records the exit code in `result`. */
function addVerb(program: Command, verb: Verb, ctx: VerbContext, result: { code: number }): void {
  const cmd = program.command(verb.command).description(verb.summary);
  if (verb.subcommands) {
    for (const sub of verb.subcommands) addVerb(cmd, sub, ctx, result);
    // Bare (or an unknown sub-verb): its help on stderr, exit 2, as bare `runbook`.
    cmd.action(() => {
      cmd.outputHelp({ error: true });
      result.code = 2;
    });
    return;
  }
  const load = verb.load;
  if (!load) throw new Error(`verb ${verb.command} has neither a module nor sub-verbs`);
  for (const o of verb.options()) cmd.addOption(o);
  if (verb.help) cmd.addHelpText('after', verb.help);
  cmd.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const options = self.opts();
    prepareEnvironment(options);
    verb.prestart?.(self.args, options);
    const verbModule = await load();
    const fromCache = verb.fromCache;
    const cache = fromCache && verbModule.dataCache?.();
    const answered = cache ? await fromCache(options, cache) : undefined;
    if (answered !== undefined) {
      result.code = answered;
      return;
    }
    try {
      result.code = await verbModule.run(self.args, options as never, ctx);
    } catch (err) {
      if (!verbModule.reportError) throw err;
      result.code = verbModule.reportError(err, ctx.argv.includes('--json'));
    }
  });
}

/** The program: every verb of {@link VERBS}, errors thrown rather than exiting the process. */
function buildProgram(ctx: VerbContext, result: { code: number }): Command {
  const program = new Command('runbook')
    .description(
      'Run named PostgreSQL procedures as checkpointed, resumable, replayable state machines',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run `runbook --help` for usage)')
    .addHelpText('after', PROGRAM_HELP_TEXT);
  for (const verb of VERBS) addVerb(program, verb, ctx, result);
  return program;
}

/** Commander's own outcomes: help and version exit 0; a usage error (already printed) exits 2. */
function commanderExit(err: CommanderError): number {
  const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
  return shown.includes(err.code) ? 0 : 2;
}

/**
 * Runs the CLI with `argv` (without node and script); resolves to the process exit code
 * (docs/design.md "Exit codes"). Bare `runbook` prints the help on stderr and exits 2.
 */
export async function main(argv: string[]): Promise<number> {
  // Before `.env` is loaded: it must not choose where compiled code is read from.
  captureCacheSetting();
  const result = { code: 0 };
  const program = buildProgram({ argv }, result);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err);
    return reportError(err, argv.includes('--json'));
  }
}
