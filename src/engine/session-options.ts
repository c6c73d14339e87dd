import { embeddedServerDir } from '../postgres/embedded.js';
import { FileRunStore } from '../runs/file-run-store.js';
import type { RunStore } from '../runs/run-store.js';
import path from 'node:path';
import { actions as builtInActions } from '../actions/index.js';
import type { ActionRegistry } from '../actions/types.js';
import { InvalidInputError } from '../errors.js';
import { DEFAULT_RUNS_DIR } from '../runs/file-run-store.js';
import { createReporter, type Reporter } from './reporter.js';

/** Options shared by `runProcedure`, `resumeRun` and `planProcedure`. */
export interface SessionOptions {
  /** Server URL (maintenance database). Default: DATABASE_URL, else the embedded server. */
  databaseUrl?: string;
  /** Runs directory (default `runs`). */
  runsDir?: string;
  /** Where runs are kept (default: a {@link FileRunStore} over `runsDir`). */
  store?: RunStore;
  /** Working directory relative paths resolve against (default process.cwd()). */
  cwd?: string;
  /** Environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the embedded server lives (default `.runbook/postgres` under cwd). */
  embeddedDir?: string;
  /** Progress output (default: stderr). */
  reporter?: Reporter;
  /**
   * The actions steps may name in `do:` (default: the built-in `actions`). A host with actions
   * of its own passes the built-ins and its own in one map; the procedure is loaded, its
   * arguments checked and its steps run against this one registry.
   */
  actions?: ActionRegistry;
  /**
   * Where a `confirm` step reads the variable that passes its gate (default: `env`). A fleet's
   * driver gives the variables the shell that created the fleet confirmed, and nothing of its
   * own: its environment is not the invocation that decided the fleet.
   */
  gateEnv?: Readonly<Record<string, string | undefined>>;
}

/** {@link SessionOptions} with every default applied: what a run, resume or plan works with. */
export interface SessionSettings {
  /** Absolute working directory. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute runs directory. */
  runsDir: string;
  /** Absolute directory of the embedded server. */
  embeddedDir: string;
  reporter: Reporter;
  actions: ActionRegistry;
  gateEnv?: Readonly<Record<string, string | undefined>>;
}

/**
 * Applies the defaults of {@link SessionOptions} (the public entry points' defaults, the built-in
 * action registry among them). An empty `runsDir` is refused: it would mean the working directory.
 */
export function resolveSessionOptions(options: SessionOptions): SessionSettings {
  if (options.runsDir?.trim() === '') {
    throw new InvalidInputError([
      { path: '--runs-dir', message: 'the runs directory is empty', hint: 'e.g. --runs-dir runs' },
    ]);
  }
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  return {
    cwd,
    env,
    runsDir: path.resolve(cwd, options.runsDir ?? DEFAULT_RUNS_DIR),
    embeddedDir: path.resolve(cwd, options.embeddedDir ?? embeddedServerDir(env)),
    reporter: options.reporter ?? createReporter({ env: env as NodeJS.ProcessEnv }),
    actions: options.actions ?? builtInActions,
    ...(options.gateEnv ? { gateEnv: options.gateEnv } : {}),
  };
}

/**
 * The store a run or resume writes to: `options.store`, else a {@link FileRunStore} over the
 * runs directory, refused (exit 2) when it cannot take a run.
 */
export function sessionStore(options: SessionOptions, settings: SessionSettings): RunStore {
  return options.store ?? new FileRunStore(settings.runsDir).check('write');
}
