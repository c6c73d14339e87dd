import { Option } from 'commander';
import { authorityOptions } from './authority-flags.js';
import { runHelpText } from './help-text.js';
import { option } from './options.js';
import type { Verb } from './verb.js';
import { FLEET_VERBS } from './fleet-verbs.js';
import { listFromCache } from './list-from-cache.js';
import { prestartAlembicBridge } from './prestart-alembic-bridge.js';

/** `--migrations` and `--layout`, shared by status, history and new. */
const folderOptions = (): Option[] => [
  new Option(
    '--migrations <dir>',
    'the migration folder (default: `params.upgrade.migrations` in runbook.config.yaml, else ./migrations)',
  ),
  new Option(
    '--layout <layout>',
    'alembic-sql, alembic, golang-migrate, diesel, prisma or dbmate (default: detected)',
  ),
];

const RUN_EXAMPLES = [
  'DB_AUTHORITY=local DB_ROLE=staging runbook run upgrade --param migrations=db/migrations --param database=app',
  'DB_AUTHORITY=neon DB_ROLE=staging runbook run upgrade --dry-run --database-url "$STAGING_URL"',
];

const RESUME_EXAMPLES = [
  'runbook inspect last && runbook resume last --note "pre-created the runs table"',
  'runbook resume last --skip 065_add_run_authorization   # an in-doubt migration you applied by hand',
];

/**
 * The verbs, in the order `runbook --help` lists them. Adding a verb is one entry here and its
 * module under ./verbs (exporting `run`); nothing of a verb's module is loaded until it runs.
 */
export const VERBS: readonly Verb[] = [
  {
    command: 'init',
    summary: 'set up this project: runbook.config.yaml, procedures/ with an example, .gitignore',
    options: () => [
      new Option('--migrations <dir>', 'the migration folder (default: the one found here)'),
      new Option('--database <name>', 'database the example upgrades (default: folder name)'),
    ],
    load: () => import('./verbs/init.js'),
  },
  {
    command: 'list',
    summary: "procedures: the project's, then the built-in ones",
    options: () => [
      option.procedures(),
      option.json('print them as a JSON array (name, origin, file, description, requires)'),
    ],
    fromCache: listFromCache,
    load: () => import('./verbs/list.js'),
  },
  {
    command: 'show <procedure>',
    summary: 'params, requirements and steps of a procedure, and where it came from',
    options: () => [option.procedures(), option.json('print the procedure as one JSON object')],
    load: () => import('./verbs/show.js'),
  },
  {
    command: 'compile [procedures...]',
    summary: 'write machines/<name>.json and machines/<name>.md; --check exits 1 when stale',
    options: () => [
      option.procedures(),
      new Option('--check', 'write nothing; exit 1 when a committed machine is stale'),
      new Option('--machines <dir>', 'machines directory').default('machines'),
    ],
    load: () => import('./verbs/compile.js'),
  },
  {
    command: 'run <procedure>',
    summary: 'run a procedure from the start',
    options: () => [
      option.param(
        'procedure parameter (value parsed as YAML; over the config defaults); repeatable',
      ),
      option.procedures(),
      option.runsDir(),
      option.store(),
      option.databaseUrl(),
      option.json('print one result object on stdout'),
      new Option('--dry-run', 'validate, check authority and show the plan; execute nothing'),
      new Option('--sql', 'with --dry-run: print the SQL each migration would send'),
      ...authorityOptions(),
      option.noColor(),
    ],
    help: runHelpText(RUN_EXAMPLES),
    prestart: prestartAlembicBridge,
    load: () => import('./verbs/run.js'),
  },
  {
    command: 'runs',
    summary: 'runs with status, procedure, where they stopped, age',
    options: () => [
      option.runsDir(),
      option.store(),
      option.json('print the runs as a JSON array'),
    ],
    load: () => import('./verbs/runs.js'),
  },
  {
    command: 'inspect <run-id>',
    summary: 'offline: where a run stopped and why, and the command to resume it',
    options: () => [
      option.runsDir(),
      option.store(),
      option.json('print the inspection as one JSON object'),
    ],
    load: () => import('./verbs/inspect.js'),
  },
  {
    command: 'resume <run-id>',
    summary: 'continue a run from where it stopped (the failed or interrupted step)',
    options: () => [
      new Option('--retry', 'retry the failed step(s) (default)'),
      new Option(
        '--skip <step>',
        'mark a failed step done by hand, or an in-doubt migration applied',
      ),
      new Option('--allow-changed', 'accept applied migrations whose files changed'),
      new Option(
        '--allow-procedure-change',
        'accept a procedure file changed since the run started',
      ),
      new Option('--note <text>', 'what you did between attempts; recorded in the log'),
      new Option(
        '--break-lock',
        'take the run lock from a holder that is gone; recorded in the log',
      ),
      option.param('secret params again (they are never stored)'),
      option.runsDir(),
      option.store(),
      option.databaseUrl(),
      option.json('print one result object on stdout'),
      ...authorityOptions(),
      option.noColor(),
    ],
    help: runHelpText(RESUME_EXAMPLES),
    load: () => import('./verbs/resume.js'),
  },
  {
    command: 'replay <run-id>',
    summary: "offline: verify the log's hash chain, re-drive the machine, print the timeline",
    options: () => [
      option.runsDir(),
      option.store(),
      new Option(
        '--anchor <hash>',
        'a log head `run` or `resume` printed (sha256:…), kept apart from the run: exit 4 unless the log passes through it',
      ),
      option.json('print the verification and the timeline as JSON'),
    ],
    load: () => import('./verbs/replay.js'),
  },
  {
    command: 'report <run-id>',
    summary: 'offline: write a self-contained HTML report of a run (exit 4 when tampered)',
    options: () => [
      new Option('--html <file>', 'where to write the HTML report').makeOptionMandatory(),
      new Option(
        '--anchor <hash>',
        'a log head `run` or `resume` printed: the report says TAMPERED (exit 4) unless the log passes through it',
      ),
      option.runsDir(),
      option.store(),
      option.json('print the file written and the integrity verdict on stdout'),
    ],
    load: () => import('./verbs/report.js'),
  },
  {
    command: 'export <run-id> <dir>',
    summary: 'write a run from the store as the run directory <dir>/<run-id> (replays offline)',
    options: () => [
      option.runsDir(),
      option.store(),
      option.json('print the run copied (id, lines, artifacts, directory) as JSON'),
    ],
    load: () => import('./verbs/export.js'),
  },
  {
    command: 'import <run-dir>',
    summary: 'load a run directory into the store (its log must verify)',
    options: () => [
      option.runsDir(),
      option.store(),
      option.json('print the run copied (id, lines, artifacts, store) as JSON'),
    ],
    load: () => import('./verbs/import.js'),
  },
  {
    command: 'status',
    summary:
      'read-only: applied, pending, changed, unknown and in-doubt migrations of a database (exit 1 unless up to date)',
    options: () => [
      ...folderOptions(),
      new Option('--database <name>', 'database to read (default: the one the URL names)'),
      new Option(
        '--database-url <url>',
        'server URL (default: $DATABASE_URL, or the variable `database_url_env` names; else the embedded server when it exists)',
      ),
      new Option(
        '--runs-dir <dir>',
        'runs whose recorded checksums are compared (default: `runs:` in runbook.config.yaml, else ./runs)',
      ),
      option.store(),
      option.json('print the status as one JSON object'),
    ],
    load: () => import('./verbs/status.js'),
  },
  {
    command: 'history',
    summary: 'offline: the migration graph (bases, branches, merges, heads) in upgrade order',
    options: () => [...folderOptions(), option.json('print the graph as one JSON object')],
    load: () => import('./verbs/history.js'),
  },
  {
    command: 'new <name>',
    summary: "write the next migration file for the folder's layout; prints its path",
    options: () => [...folderOptions(), option.json('print the files written as JSON')],
    load: () => import('./verbs/new.js'),
  },
  ...FLEET_VERBS,
  {
    command: 'db <action>',
    summary: 'the embedded PostgreSQL: start | stop | url',
    options: () => [
      new Option(
        '--dir <dir>',
        'data directory (default: $RUNBOOK_EMBEDDED_DIR, else .runbook/postgres)',
      ),
      new Option('--database <name>', 'url: the URL of this database instead of `postgres`'),
    ],
    load: () => import('./verbs/db.js'),
  },
];
