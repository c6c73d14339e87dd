import { InvalidInputError } from '../errors.js';
import { isPostgresUrl, redactUrl } from '../postgres/url.js';
import { FileRunStore } from './file-run-store.js';
import { PgRunStore } from './pg-run-store.js';
import type { RunStore } from './run-store.js';
import type { RunsDirUse } from './runs-dir.js';

/** The environment variable naming the run store when `--store` is not given. */
export const STORE_ENV_VARIABLE = 'RUNBOOK_STORE';

/** Where the store of a command comes from (docs/design.md "Run stores"). */
export interface RunStoreSpec {
  /** `--store`: a PostgreSQL URL, or a runs directory. */
  store?: string | undefined;
  /** `--runs-dir`: the runs directory when no store is named anywhere. */
  runsDir: string;
  /**
   * The store named by the configuration file, when one names it (below `--store` and
   * `RUNBOOK_STORE`, above `--runs-dir`). The config loader passes it here.
   */
  configStore?: string | undefined;
  /** The environment to read `RUNBOOK_STORE` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** A store opened for one command; `close()` ends its connections (a no-op for a directory). */
export interface OpenedRunStore {
  store: RunStore;
  /** `postgres` for a PostgreSQL store, `file` for a runs directory. */
  kind: 'postgres' | 'file';
  /** How to name the store to a person: the directory, or the URL without its password. */
  shown: string;
  /**
   * What a later command (`resume`, `inspect`…) needs to reach this store again, for hints:
   * `--store <shown>` when `--store` named it, else '' (`RUNBOOK_STORE` or the configuration file
   * names it again).
   */
  option: string;
  close(): Promise<void>;
}

/**
 * The store named for a command, and where it was named: `--store`, else `$RUNBOOK_STORE` (empty
 * counts as unset), else the configuration file's; undefined when none is (the runs directory).
 */
export function namedStore(
  spec: Omit<RunStoreSpec, 'runsDir'>,
): { from: string; value: string } | undefined {
  const env = spec.env ?? process.env;
  if (spec.store !== undefined) return { from: '--store', value: spec.store };
  const fromEnv = env[STORE_ENV_VARIABLE];
  if (fromEnv) return { from: STORE_ENV_VARIABLE, value: fromEnv };
  if (spec.configStore !== undefined)
    return { from: 'the configuration file', value: spec.configStore };
  return undefined;
}

/**
 * The store a command uses: `--store`, else `$RUNBOOK_STORE` (empty counts as unset), else the
 * configuration file's, else the runs directory (`--runs-dir`, default `runs`). A `postgres://` /
 * `postgresql://` URL opens a {@link PgRunStore} (its schema is created or upgraded on first use);
 * any other value is a runs directory. Invalid input (exit 2, naming where the value came from,
 * its password masked) for an empty `--store`, a URL that does not parse, or a runs directory
 * unfit for `use`. Nothing connects until the store is first used.
 */
export function openRunStore(spec: RunStoreSpec, use: RunsDirUse): OpenedRunStore {
  const chosen = namedStore(spec);
  if (!chosen) return fileStore(spec.runsDir, use, false);
  const { from, value } = chosen;
  if (value.trim() === '') {
    throw new InvalidInputError([
      { path: from, message: 'the run store is empty', hint: 'a postgres:// URL or a runs directory' },
    ]);
  }
  if (!isPostgresUrl(value)) return fileStore(value, use, from === '--store');
  let store: PgRunStore;
  try {
    store = new PgRunStore(value);
  } catch (err) {
    // The message names the URL with its password masked (see parseDatabaseUrl).
    throw new InvalidInputError([{ path: from, message: redactUrl((err as Error).message) }]);
  }
  return {
    store,
    kind: 'postgres',
    shown: store.shownUrl,
    option: from === '--store' ? `--store ${store.shownUrl}` : '',
    close: () => store.close(),
  };
}

function fileStore(dir: string, use: RunsDirUse, named: boolean): OpenedRunStore {
  const store = new FileRunStore(dir).check(use);
  const option = named ? `--store ${store.dir}` : '';
  return { store, kind: 'file', shown: store.dir, option, close: async () => undefined };
}

/** The hint printed after a command's own resume hint when the store must be named again. */
export function storeHint(opened: OpenedRunStore): string {
  return opened.option ? `the run is in the store given with --store: add ${opened.option}` : '';
}

/**
 * Runs `fn` with the store of `spec` opened for `use`, closing it afterwards whatever happens
 * (so a PostgreSQL store's sessions never keep the process alive).
 */
export async function withRunStore<T>(
  spec: RunStoreSpec,
  use: RunsDirUse,
  fn: (opened: OpenedRunStore) => Promise<T>,
): Promise<T> {
  const opened = openRunStore(spec, use);
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}
