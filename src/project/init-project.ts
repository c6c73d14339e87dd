import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, StepError } from '../errors.js';
import { loadMigrationSource, type MigrationSource } from '../migrations/index.js';
import { CONFIG_FILE } from './config-file.js';
import { exampleProcedure, type FoundMigrations } from './example-procedure.js';

/** Where `runbook init` looks for a migration folder, in order (the first with a layout wins). */
export const MIGRATION_FOLDERS: readonly string[] = [
  'migrations',
  'db/migrations',
  'database/migrations',
  'prisma/migrations',
  'sql/migrations',
  'alembic',
  '.',
];

/** What `runbook init` did. */
export interface InitResult {
  /** Files written (relative to the project). */
  written: string[];
  /** Files left as they were, each with the reason. */
  skipped: { file: string; reason: string }[];
  /** The migration folder found (or given), if any. */
  migrations?: FoundMigrations;
  /** The database the config and the example name. */
  database: string;
  /** The example procedure's file (relative to the project). */
  example: string;
  /** The command to run next. */
  next: string;
}

const IGNORED = ['runs/', '.runbook/'];

/** What a migration source at `full` is, as `init` reports it. */
async function describeSource(root: string, full: string, source: MigrationSource) {
  const count = source.layout === 'alembic' ? undefined : (await source.list()).length;
  const dir = path.relative(root, full).split(path.sep).join('/') || '.';
  const found: FoundMigrations = { dir, layout: source.layout };
  if (count !== undefined) found.count = count;
  return found;
}

/** The layout of `dir` (relative to `root`), or undefined when it holds no migrations. */
async function layoutOf(root: string, dir: string): Promise<FoundMigrations | undefined> {
  const full = path.resolve(root, dir);
  if (!existsSync(full) || !statSync(full).isDirectory()) return undefined;
  if (dir === '.' && !existsSync(path.join(full, 'alembic.ini'))) return undefined;
  try {
    return await describeSource(root, full, await loadMigrationSource(full));
  } catch (err) {
    if (err instanceof StepError) return undefined;
    throw err;
  }
}

/** The migration folder: the one given (it must hold a known layout), else the first found. */
async function findMigrations(root: string, given?: string): Promise<FoundMigrations | undefined> {
  if (given === undefined) {
    for (const dir of MIGRATION_FOLDERS) {
      const found = await layoutOf(root, dir);
      if (found) return found;
    }
    return undefined;
  }
  const full = path.resolve(root, given);
  try {
    return await describeSource(root, full, await loadMigrationSource(full));
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    throw new InvalidInputError([
      {
        path: '--migrations',
        message: err.message,
        hint: 'point at the folder holding the migrations',
      },
    ]);
  }
}

/** Adds `runs/` and `.runbook/` to `.gitignore` (creating it), each once. */
async function ignoreRunFiles(root: string, result: InitResult): Promise<void> {
  const file = path.join(root, '.gitignore');
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  const lines = new Set(text.split(/\r?\n/).map((l) => l.trim().replace(/^\//, '')));
  const missing = IGNORED.filter((e) => !lines.has(e) && !lines.has(e.slice(0, -1)));
  if (missing.length === 0) {
    result.skipped.push({ file: '.gitignore', reason: `already ignores ${IGNORED.join(' and ')}` });
    return;
  }
  const lead = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(
    file,
    `${lead}# runbook: run directories and the embedded server\n${missing.join('\n')}\n`,
  );
  result.written.push('.gitignore');
}

/** Writes `file` unless it exists (then records it as skipped). */
async function writeNew(root: string, file: string, text: string, result: InitResult) {
  const full = path.join(root, file);
  if (existsSync(full)) {
    result.skipped.push({ file, reason: 'exists; left as it is' });
    return;
  }
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text, { flag: 'wx' });
  result.written.push(file);
}

/** The text of `runbook.config.yaml` for what was found. */
function configText(migrations: FoundMigrations | undefined, database: string): string {
  const upgrade = migrations
    ? `params:\n  upgrade:\n    migrations: ${JSON.stringify(migrations.dir)}\n    database: ${JSON.stringify(database)}\n`
    : `# params:\n#   upgrade:\n#     migrations: db/migrations\n#     database: ${JSON.stringify(database)}\n`;
  return `# yaml-language-server: $schema=node_modules/runbook/runbook.config.schema.json
# runbook's settings for this project; flags and environment variables override them.
procedures: procedures   # your procedures; the built-in ones (upgrade, …) are found after them
runs: runs               # one directory per run: checkpoint, hash-chained log, artifacts
database_url_env: DATABASE_URL   # the variable holding the server URL (else the embedded server)
# authority_hosts: { rds: "*.rds.amazonaws.com" }
${upgrade}`;
}

/**
 * Sets up runbook in the project at `root`: `runbook.config.yaml`, `procedures/` with one example
 * procedure fitting the migration folder found (or given), and `runs/` and `.runbook/` in
 * `.gitignore`. Never overwrites a file: an existing one is reported as skipped.
 */
export async function initProject(
  root: string,
  options: { migrations?: string; database?: string } = {},
): Promise<InitResult> {
  const migrations = await findMigrations(root, options.migrations);
  const database =
    options.database ??
    (path
      .basename(path.resolve(root))
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_') ||
      'app');
  const example = exampleProcedure(migrations, database);
  const result: InitResult = {
    written: [],
    skipped: [],
    database,
    example: `procedures/${example.name}.yaml`,
    next: migrations
      ? 'DB_AUTHORITY=local DB_ROLE=staging npx runbook run upgrade'
      : `DB_AUTHORITY=local DB_ROLE=staging npx runbook run ${example.name}`,
    ...(migrations ? { migrations } : {}),
  };
  await writeNew(root, CONFIG_FILE, configText(migrations, database), result);
  await writeNew(root, result.example, example.text, result);
  await ignoreRunFiles(root, result);
  return result;
}
