import * as z from 'zod';
import { MIGRATION_LAYOUTS, type MigrationLayout } from '../migrations/types.js';

/**
 * The `layout:` argument every migration action takes: a layout name, or `auto` (or absent) to
 * detect it from the folder. Parses to the layout, or undefined for detection.
 */
export const migrationLayoutParam = z
  .enum(['auto', ...MIGRATION_LAYOUTS] as [string, ...string[]])
  .transform((l) => (l === 'auto' ? undefined : (l as MigrationLayout)))
  .optional()
  .describe('Migration layout; auto (or absent) detects it');
