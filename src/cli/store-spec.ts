import type { RunStoreSpec } from '../runs/open-run-store.js';
import type { ProjectConfig } from '../project/load-config.js';
import type { Settings } from '../project/settings.js';
import { projectSettings } from './project-settings.js';

/**
 * The run store of a verb (docs/design.md "Run stores"): `--store`, else `RUNBOOK_STORE`, else
 * the config file's `store:`, else the runs directory (`--runs-dir`, the config's `runs:`, `runs`).
 */
export function storeSpecFrom(
  o: { store?: string },
  settings: Settings,
  config: ProjectConfig,
): RunStoreSpec {
  return {
    runsDir: settings.runs,
    ...(o.store !== undefined ? { store: o.store } : {}),
    ...(config.store !== undefined ? { configStore: config.store } : {}),
  };
}

/** {@link storeSpecFrom} with the project's settings read first (for the verbs that need no more). */
export async function storeSpec(o: { store?: string; runsDir?: string }): Promise<RunStoreSpec> {
  const { settings, config } = await projectSettings(o);
  return storeSpecFrom(o, settings, config);
}
