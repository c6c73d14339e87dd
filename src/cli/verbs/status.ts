import { existsSync } from 'node:fs';
import path from 'node:path';
import { connectableDatabaseName } from '../../actions/database-name.js';
import { InvalidInputError, RefusalError, StepError } from '../../errors.js';
import { migrationStatus, type MigrationStatus } from '../../migrations/migration-status.js';
import { MIGRATION_LAYOUTS, type MigrationLayout } from '../../migrations/types.js';
import {
  embeddedServerDir,
  ensureEmbeddedServer,
  releaseEmbeddedServer,
} from '../../postgres/embedded.js';
import { describeTarget } from '../../postgres/target.js';
import { redactDatabaseUrl, withDatabase } from '../../postgres/url.js';
import { withRunStore } from '../../runs/open-run-store.js';
import { otherRunsIn } from '../../runs/run-view.js';
import { terminalSafe } from '../../text/terminal-text.js';
import { folderSettings } from '../migration-folder.js';

/** Flags of `runbook status`. */
export interface StatusFlags {
  migrations?: string;
  layout?: string;
  database?: string;
  databaseUrl?: string;
  runsDir?: string;
  store?: string;
  json?: boolean;
}

/** A layout flag checked against the known layouts (exit 2 otherwise). */
export function layoutFlag(value: string | undefined): MigrationLayout | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if ((MIGRATION_LAYOUTS as readonly string[]).includes(value)) return value as MigrationLayout;
  throw new InvalidInputError([
    { path: '--layout', message: `unknown layout "${value}"`, hint: MIGRATION_LAYOUTS.join(', ') },
  ]);
}

/**
 * A folder that cannot be read as a history is bad input (exit 2), as in a procedure's preflight;
 * a version table that is not the layout's is refused (exit 3): status will not guess.
 */
export function asInputError(err: unknown, flag: string): unknown {
  const folderCodes = ['MIGRATION_SOURCE', 'MIGRATION_LAYOUT', 'INVALID_MIGRATIONS'];
  if (!(err instanceof StepError)) return err;
  if (err.code === 'VERSION_TABLE_FOREIGN') {
    return new RefusalError(
      err.code,
      `${err.message}${err.fields.hint ? ` (${err.fields.hint})` : ''}`,
    );
  }
  if (!folderCodes.includes(err.code)) return err;
  return new InvalidInputError([
    { path: flag, message: err.message, ...(err.fields.hint ? { hint: err.fields.hint } : {}) },
  ]);
}

function list(title: string, items: string[]): string[] {
  return items.length === 0 ? [] : [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`)];
}

/** The status as a person reads it. */
export function formatStatus(s: MigrationStatus, target: string): string {
  const basis = {
    'version-table': `checksums kept in ${s.versionTable.name}`,
    'earlier-runs': 'checksums recorded by earlier runs in the runs folder',
    none: 'no recorded checksums (no earlier run applied them from this folder)',
  }[s.checksumBasis];
  const lines = [
    `${s.layout} migrations in ${path.relative(process.cwd(), s.source) || '.'} against ${target}`,
    !s.databaseExists
      ? `database ${s.database} does not exist: every migration is pending`
      : !s.versionTable.exists
        ? `no ${s.versionTable.name} table: nothing applied`
        : `${s.versionTable.name}: ${s.rows.length === 0 ? 'empty' : s.rows.join(', ')}`,
    `applied: ${s.applied.length}, pending: ${s.pending.length}, heads: ${s.heads.join(', ') || 'none'}`,
    ...list(
      'pending, in upgrade order',
      s.pending.map((m) => `${m.revision}  ${m.file}`),
    ),
    ...list(
      'CHANGED since applied',
      s.changed.map(
        (c) =>
          `${c.file}: sha256 ${c.recordedChecksum.slice(0, 12)} (${'table' in c.recordedBy ? c.recordedBy.table : `run ${c.recordedBy.run}`}) → ${c.fileChecksum.slice(0, 12)}`,
      ),
    ),
    ...list('UNKNOWN versions in the table (no such migration here)', s.unknown),
    ...list(
      'IN DOUBT (started, not known to have finished)',
      s.inDoubt.map(
        (d) =>
          `${d.revision}  ${d.file}: ${d.reason === 'dirty-row' ? `${s.versionTable.name} marks it failed or dirty` : `run ${d.run ?? '?'} was stopped inside it`}`,
      ),
    ),
    `changed files judged by: ${basis}${s.checksumBasis === 'none' ? '' : ` (${s.checksumsRecorded} of ${s.applied.length} applied)`}`,
    s.upToDate ? 'up to date' : 'NOT up to date',
  ];
  return lines.join('\n');
}

/**
 * The server to read: `--database-url`, else DATABASE_URL, else the embedded server when its
 * directory exists (started if stopped, never initialised: status creates nothing).
 */
async function serverUrl(
  url: string | undefined,
): Promise<{ url: string; release(): Promise<void> }> {
  if (url) {
    try {
      describeTarget(url);
    } catch (err) {
      throw new InvalidInputError([{ path: '--database-url', message: (err as Error).message }]);
    }
    return { url, release: async () => undefined };
  }
  const dir = path.resolve(embeddedServerDir());
  if (!existsSync(dir)) {
    throw new InvalidInputError([
      {
        path: '--database-url',
        message:
          'no database: --database-url and DATABASE_URL are unset and there is no embedded server here',
        hint: 'give --database-url, or `runbook db start` for the embedded server',
      },
    ]);
  }
  const server = await ensureEmbeddedServer(dir);
  return { url: server.url, release: () => releaseEmbeddedServer(dir) };
}

/** `runbook status`: exit 0 up to date, 1 pending or wrong, 2 bad input, 3 refused. Read-only. */
export async function run(_args: string[], o: StatusFlags): Promise<number> {
  const folder = await folderSettings(o);
  const layout = layoutFlag(o.layout);
  if (
    folder.database !== undefined &&
    !connectableDatabaseName.safeParse(folder.database).success
  ) {
    throw new InvalidInputError([
      {
        path: '--database',
        message: `"${folder.database}" is not a database name runbook can connect to`,
      },
    ]);
  }
  const server = await serverUrl(folder.databaseUrl);
  let status: MigrationStatus;
  try {
    status = await withRunStore(folder.store, 'read', ({ store }) =>
      migrationStatus({
        migrations: folder.migrations,
        ...(layout ? { layout } : {}),
        databaseUrl: server.url,
        ...(folder.database !== undefined ? { database: folder.database } : {}),
        runs: otherRunsIn(store),
      }),
    );
  } catch (err) {
    throw asInputError(err, '--migrations');
  } finally {
    await server.release();
  }
  const target = redactDatabaseUrl(withDatabase(server.url, status.database));
  process.stdout.write(
    o.json
      ? JSON.stringify({ ok: true, target, ...status }, null, 2) + '\n'
      : terminalSafe(formatStatus(status, target)) + '\n',
  );
  return status.upToDate ? 0 : 1;
}
