import { prestartBridge, alembicIniOf } from '../migrations/layouts/alembic/bridge-prestart.js';
import { procedureFileExists } from '../procedure/find-procedures.js';

/**
 * `run`'s work ahead of its module: when the procedure names a file that exists (in
 * `--procedures`, else ./procedures, or built in), a `--param` value names an Alembic project (an
 * alembic.ini, or a directory holding one) and no `layout` parameter names another layout, the
 * bridge for it starts now, while the CLI loads (bridge-prestart.ts). It runs nothing of the
 * project; a run refused before it needs the bridge (its authority, its parameters) or a guess
 * that turns out wrong only costs a Python process that quits unused.
 */
export function prestartAlembicBridge(args: string[], options: Record<string, unknown>): void {
  const params = (options.param ?? {}) as Record<string, unknown>;
  const layout = params.layout;
  if (layout !== undefined && layout !== 'auto' && layout !== 'alembic') return;
  try {
    const dir = typeof options.procedures === 'string' ? options.procedures : 'procedures';
    if (!args[0] || !procedureFileExists(args[0], dir)) return;
    for (const value of Object.values(params)) {
      const ini = alembicIniOf(value, process.cwd());
      if (ini) return prestartBridge(ini);
    }
  } catch {
    // Only a head start: the run starts the bridge itself when it needs one.
  }
}
