/**
 * The contract parts of `--help` (docs/design.md "CLI", "Exit codes"): the environment variables
 * runbook reads and the exit codes, printed after the options of the verbs they concern.
 */

/** Every environment variable runbook reads, with what it does (a test holds src/ to this list). */
export const ENVIRONMENT: readonly (readonly [string, string])[] = [
  ['DB_AUTHORITY', 'required: the declared authority (local, neon, …); --authority overrides it'],
  ['DB_ROLE', 'required: the declared role (staging, prod, replica); --role overrides it'],
  ['DB_ENV', 'the declared environment (--db-env)'],
  ['CONFIRM_PROD_MIGRATIONS', 'true confirms writes to a prod database (--confirm-prod)'],
  ['DATABASE_URL', 'server URL when --database-url is not given (else the embedded server)'],
  ['RUNBOOK_AUTHORITY_HOSTS', 'host patterns per authority, e.g. rds=*.rds.amazonaws.com'],
  ['RUNBOOK_CONFIG', 'the config file (default ./runbook.config.yaml)'],
  ['RUNBOOK_EMBEDDED_DIR', 'data directory of the embedded server (default .runbook/postgres)'],
  ['RUNBOOK_STORE', 'the run store: a postgres:// URL or a runs directory (below --store)'],
  [
    'RUNBOOK_WORKER_LOCK_TIMEOUT',
    "seconds before a silent worker's fleet job goes to another (default 60)",
  ],
  ['RUNBOOK_LOCK_TIMEOUT', "a migration's lock_timeout, e.g. 5s (default 5s, 3 retries)"],
  ['RUNBOOK_HEARTBEAT_MS', 'interval of the "still running" lines of a long migration (ms)'],
  ['RUNBOOK_PYTHON', 'the python3 with alembic for the `alembic` layout (default python3)'],
  [
    'RUNBOOK_COMPILE_CACHE',
    "absolute directory of the CLI's caches (compiled code, list's summaries), or off (default dist/bin/.cache)",
  ],
  ['PGHOST, PGPORT', 'honoured by node-postgres when the URL leaves host or port out'],
  ['NO_COLOR', 'no colours; FORCE_COLOR=1 forces them where stderr is no terminal'],
];

/** The exit codes of every verb. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'succeeded'],
  [1, 'the procedure failed (resumable: `runbook inspect last` says why) or ended incomplete'],
  [2, 'invalid input (procedure file, params, flags, config); nothing was executed'],
  [3, 'refused (authority contract, confirmation gate, destructive statement, a held lock)'],
  [4, "the run's log was tampered with or replay diverged"],
];

function table(rows: readonly (readonly [string | number, string])[]): string {
  const width = Math.max(...rows.map(([k]) => String(k).length));
  return rows.map(([k, v]) => `  ${String(k).padEnd(width)}  ${v}`).join('\n');
}

/** Printed after the options of `run` (and, without the examples, `resume`). */
export function runHelpText(examples: readonly string[]): string {
  return [
    '',
    'DB_AUTHORITY and DB_ROLE (or --authority and --role) are required: authority is declared, never inferred.',
    'Settings come from flags, then the environment, then runbook.config.yaml, then the defaults.',
    '',
    'Environment (a .env file in the working directory is loaded; set variables win):',
    table(ENVIRONMENT),
    '',
    'Exit codes:',
    table(EXIT_CODES),
    ...(examples.length ? ['', 'Examples:', ...examples.map((e) => `  $ ${e}`)] : []),
    '',
  ].join('\n');
}

/** Printed after the verbs of bare `runbook --help`. */
export const PROGRAM_HELP_TEXT = [
  '',
  'Start in your project: `runbook init`, then `runbook run upgrade` (see `runbook run --help`).',
  'Exit codes:',
  table(EXIT_CODES),
  '',
].join('\n');
