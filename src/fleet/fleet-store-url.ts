import { InvalidInputError } from '../errors.js';
import { STORE_ENV_VARIABLE, type RunStoreSpec } from '../runs/open-run-store.js';

/**
 * The PostgreSQL run store URL a fleet command uses (`--store`, else `$RUNBOOK_STORE`, else the
 * configuration file's, as for every command). Fleets keep their state and queue in that database,
 * so a runs directory, or no store at all, is refused (exit 2) before anything is read.
 */
export function fleetStoreUrl(spec: RunStoreSpec): string {
  const env = spec.env ?? process.env;
  const value = spec.store ?? (env[STORE_ENV_VARIABLE] || undefined) ?? spec.configStore;
  if (value === undefined || !/^postgres(ql)?:\/\//i.test(value.trim())) {
    throw new InvalidInputError([
      {
        path: spec.store !== undefined ? '--store' : STORE_ENV_VARIABLE,
        message:
          value === undefined
            ? 'fleets need a PostgreSQL run store; none is named'
            : 'fleets need a PostgreSQL run store; a runs directory cannot hold a fleet',
        hint: 'give --store postgresql://… or set RUNBOOK_STORE',
      },
    ]);
  }
  return value.trim();
}
