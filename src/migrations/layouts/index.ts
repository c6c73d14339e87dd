/**
 * The layouts runbook reads, one folder each (docs/design.md "Layouts"), as Kysely keeps one
 * folder per dialect: each exports a {@link LayoutDefinition} (how its files are recognised, how
 * a history is opened as a {@link MigrationSource} with its version table), and nothing outside
 * `layouts/` knows more of a layout than that.
 */
import type { LayoutDefinition, MigrationLayout, MigrationSource } from '../types.js';
import { alembicLayout } from './alembic/alembic-source.js';
import { alembicSqlLayout } from './alembic-sql/alembic-sql-source.js';
import { dbmateLayout } from './dbmate/dbmate-source.js';
import { dieselLayout } from './diesel/diesel-source.js';
import { golangMigrateLayout } from './golang-migrate/golang-migrate-source.js';
import { prismaLayout } from './prisma/prisma-source.js';

/**
 * Every layout, in the order detection asks them to claim a file: a `-- revision:` header makes
 * a file alembic-sql whatever its name, and a `-- migrate:up` line makes `001_x.up.sql` dbmate's.
 */
export const LAYOUTS: readonly LayoutDefinition[] = [
  alembicLayout,
  alembicSqlLayout,
  dbmateLayout,
  golangMigrateLayout,
  dieselLayout,
  prismaLayout,
];

/** The definition of a layout by name. */
export function layoutNamed(name: MigrationLayout): LayoutDefinition {
  const found = LAYOUTS.find((l) => l.name === name);
  if (!found) throw new Error(`no layout named ${name}`);
  return found;
}

/** Opens the history at `dir` in a known layout. */
export function sourceFor(layout: MigrationLayout, dir: string): MigrationSource {
  return layoutNamed(layout).open(dir);
}
