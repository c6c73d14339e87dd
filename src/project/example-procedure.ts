import type { MigrationLayout } from '../migrations/index.js';

/** A migration folder found in a project: where, its layout and how many migrations it holds. */
export interface FoundMigrations {
  /** Relative to the project root, with `/` separators (`db/migrations`). */
  dir: string;
  layout: MigrationLayout;
  /** Number of migrations, when listing them needs no external tool (not for `alembic`). */
  count?: number;
}

/** The example procedure `runbook init` writes: its file name and text. */
export interface ExampleProcedure {
  name: string;
  text: string;
}

const HEADER = '# yaml-language-server: $schema=../node_modules/runbook/procedure.schema.json';

/**
 * The example procedure for a project: with a migration folder, `rebuild-local` (drop and
 * recreate the local database, apply every migration one per transaction in the folder's own
 * layout, refuse nothing destructive unseen, record the version); without one, `check-database`
 * (one read-only query). Both run as they are on a local server.
 */
export function exampleProcedure(
  migrations: FoundMigrations | undefined,
  database: string,
): ExampleProcedure {
  if (!migrations) {
    return {
      name: 'check-database',
      text: `${HEADER}
procedure: check-database
description: Check that the database answers (replace the query with what your deploys rely on)
requires: { authority: local, role: staging }
params:
  database: { type: string, default: ${JSON.stringify(database)}, description: Database to check }
steps:
  - id: answers
    do: sql.expect
    with: { database: "\${{ params.database }}", query: "SELECT 1", scalar: 1 }
checklist:
  - { item: "The database answers", step: answers }
`,
    };
  }
  return {
    name: 'rebuild-local',
    text: `${HEADER}
procedure: rebuild-local
description: Drop and recreate the local database, then apply every migration one per transaction
requires: { authority: local, role: staging }
params:
  database: { type: string, default: ${JSON.stringify(database)}, description: Local database (dropped and recreated) }
  migrations: { type: path, default: ${JSON.stringify(migrations.dir)}, description: Migration folder (${migrations.layout} layout) }
steps:
  - id: recreate-database
    do: database.recreate
    with: { name: "\${{ params.database }}", terminate_connections: true }
  - id: migrate
    do: migrations.upgrade
    with:
      source: "\${{ params.migrations }}"
      layout: ${migrations.layout}
      target: head
      database: "\${{ params.database }}"
  - id: version
    do: migrations.current
    with: { source: "\${{ params.migrations }}", layout: ${migrations.layout}, database: "\${{ params.database }}" }
checklist:
  - { item: "Database dropped and recreated", step: recreate-database }
  - { item: "Every migration applied, one per transaction", step: migrate }
  - { item: "Version recorded", step: version }
`,
  };
}
