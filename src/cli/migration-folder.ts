import path from 'node:path';
import type { ProjectConfig } from '../project/load-config.js';
import type { RunStoreSpec } from '../runs/open-run-store.js';
import { projectSettings } from './project-settings.js';
import { storeSpecFrom } from './store-spec.js';

/**
 * The migration folder of `status`, `history` and `new`: `--migrations`, else the `migrations`
 * default the config gives the `upgrade` procedure (relative to the config's directory), else
 * `./migrations` (docs/design.md "Migration folder verbs").
 */
export function migrationFolder(flag: string | undefined, config: ProjectConfig): string {
  if (flag !== undefined) return flag;
  const configured = config.params.upgrade?.migrations;
  if (typeof configured === 'string' && configured !== '')
    return path.resolve(config.dir, configured);
  return 'migrations';
}

/**
 * The settings of a migration-folder verb: its folder, runs directory, server URL, and the
 * database: `--database`, else the `database` default the config gives `upgrade`, else none
 * (the URL's own).
 */
export async function folderSettings(o: {
  migrations?: string;
  runsDir?: string;
  store?: string;
  databaseUrl?: string;
  database?: string;
}): Promise<{
  migrations: string;
  runsDir: string;
  /** Where earlier runs are read (`--store`, `RUNBOOK_STORE`, the config's, else the runs dir). */
  store: RunStoreSpec;
  databaseUrl?: string;
  database?: string;
}> {
  const { config, settings } = await projectSettings(o);
  const configured = config.params.upgrade?.database;
  const database = o.database ?? (typeof configured === 'string' ? configured : undefined);
  return {
    migrations: migrationFolder(o.migrations, config),
    runsDir: settings.runs,
    store: storeSpecFrom(o, settings, config),
    ...(settings.databaseUrl !== undefined ? { databaseUrl: settings.databaseUrl } : {}),
    ...(database !== undefined ? { database } : {}),
  };
}
