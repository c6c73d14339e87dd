import { InvalidInputError } from '../errors.js';
import { isPostgresUrl } from '../postgres/url.js';
import {
  namedStore,
  openRunStore,
  STORE_ENV_VARIABLE,
  type RunStoreSpec,
} from '../runs/open-run-store.js';

/**
 * The PostgreSQL run store URL a fleet command uses: the store `openRunStore` selects (`--store`,
 * else `$RUNBOOK_STORE`, else the configuration file's) and validates. Fleets keep their state and
 * queue in that database, so a runs directory, or no store at all, is refused (exit 2) before
 * anything is read.
 */
export function fleetStoreUrl(spec: Omit<RunStoreSpec, 'runsDir'>): string {
  const named = namedStore(spec);
  const value = named?.value;
  if (value === undefined || !isPostgresUrl(value)) {
    throw new InvalidInputError([
      {
        path: named?.from ?? STORE_ENV_VARIABLE,
        message:
          value === undefined
            ? 'fleets need a PostgreSQL run store; none is named'
            : 'fleets need a PostgreSQL run store; a runs directory cannot hold a fleet',
        hint: 'give --store postgresql://… or set RUNBOOK_STORE',
      },
    ]);
  }
  // A PostgreSQL store is chosen: openRunStore refuses a URL that does not parse (its password
  // masked) as every other command does; it connects to nothing.
  void openRunStore({ ...spec, runsDir: '' }, 'read').close();
  return value.trim();
}
