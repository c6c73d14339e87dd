import { alembicIniOf, prestartBridge } from '../migrations/layouts/alembic/bridge-prestart.js';

/**
 * `run`'s work ahead of its module: when a `--param` value names an Alembic project (an
 * alembic.ini, or a directory holding one) and no `layout` parameter names another layout, the
 * bridge for it starts now, while the CLI loads (bridge-prestart.ts). A guess that turns out
 * wrong only costs a Python process that quits unused.
 */
export function prestartAlembicBridge(options: Record<string, unknown>): void {
  const params = (options.param ?? {}) as Record<string, unknown>;
  const layout = params.layout;
  if (layout !== undefined && layout !== 'auto' && layout !== 'alembic') return;
  try {
    for (const value of Object.values(params)) {
      const ini = alembicIniOf(value, process.cwd());
      if (ini) return prestartBridge(ini);
    }
  } catch {
    // Only a head start: the run starts the bridge itself when it needs one.
  }
}
