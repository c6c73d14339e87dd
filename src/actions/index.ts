import { confirm } from './confirm.js';
import { databaseCreate } from './database-create.js';
import { databaseDrop } from './database-drop.js';
import { databaseGrant } from './database-grant.js';
import { databaseRecreate } from './database-recreate.js';
import { databaseSettings } from './database-settings.js';
import { filesAbsent } from './files-absent.js';
import { migrationsCheckDestructive } from './migrations-check-destructive.js';
import { migrationsCurrent } from './migrations-current.js';
import { migrationsStamp } from './migrations-stamp.js';
import { migrationsUpgrade } from './migrations-upgrade.js';
import { rolesEnsure } from './roles-ensure.js';
import { shellExec } from './shell-exec.js';
import { sqlExec } from './sql-exec.js';
import { sqlExpect } from './sql-expect.js';
import { twoPathReport } from './two-path-report.js';
import { dbAudit } from './db-audit.js';
import { schemaDiff } from './schema-diff.js';
import { schemaExpect } from './schema-expect.js';
import { schemaProvenance } from './schema-provenance.js';
import { schemaSnapshot } from './schema-snapshot.js';
import type { ActionDefinition } from './types.js';

/**
 * The action registry: every action a procedure may name in `do:`. Each action lives in its own
 * file (`src/actions/<kebab-name>.ts`) and is listed here once.
 */
const definitions: ActionDefinition[] = [
  // (actions are registered here, one import each)
  migrationsUpgrade,
  migrationsStamp,
  migrationsCurrent,
  migrationsCheckDestructive,
  twoPathReport,
  databaseCreate,
  databaseDrop,
  databaseRecreate,
  databaseGrant,
  databaseSettings,
  rolesEnsure,
  sqlExec,
  sqlExpect,
  filesAbsent,
  shellExec,
  confirm,
  schemaExpect,
  schemaSnapshot,
  schemaDiff,
  schemaProvenance,
  dbAudit,
];

/** Actions by name. */
export const actions: ReadonlyMap<string, ActionDefinition> = new Map(
  definitions.map((a) => [a.name, a]),
);

/** All action names, sorted (for hints and the JSON Schema). */
export const actionNames: readonly string[] = [...actions.keys()].sort();
