import { databaseExists } from './database-ops.js';
import type { PlanContext } from './types.js';

/** Whether `name` would exist when the step starts: an earlier step's effect, else the server's. */
async function existsWhenPlanned(ctx: PlanContext, name: string): Promise<boolean> {
  const planned = ctx.effects?.database(name);
  return planned ? planned.state === 'empty' : databaseExists(ctx.db, name);
}

/** Dry-run plan of `database.recreate`: the database would be empty afterwards. */
export async function planRecreate<P extends { name: string }>(
  ctx: PlanContext,
  p: P,
): Promise<string[]> {
  const existed = await existsWhenPlanned(ctx, p.name);
  ctx.effects?.setDatabase(p.name, 'empty', ctx.step ?? 'database.recreate');
  return [
    existed
      ? `drop database "${p.name}" and create it empty: every migration of it would be pending`
      : `database "${p.name}" does not exist: create it empty`,
  ];
}

/** Dry-run plan of `database.drop`: the database would be gone afterwards. */
export async function planDrop<P extends { name: string }>(
  ctx: PlanContext,
  p: P,
): Promise<string[]> {
  const existed = await existsWhenPlanned(ctx, p.name);
  ctx.effects?.setDatabase(p.name, 'absent', ctx.step ?? 'database.drop');
  return [existed ? `drop database "${p.name}"` : `database "${p.name}" does not exist: nothing to drop`]; // prettier-ignore
}

/** Dry-run plan of `database.create`: a missing database would be created empty. */
export async function planCreate<P extends { name: string }>(
  ctx: PlanContext,
  p: P,
): Promise<string[]> {
  if (await existsWhenPlanned(ctx, p.name)) return [`database "${p.name}" exists: left as is`];
  ctx.effects?.setDatabase(p.name, 'empty', ctx.step ?? 'database.create');
  return [`create database "${p.name}" (empty)`];
}
