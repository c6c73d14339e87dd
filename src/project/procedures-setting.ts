import { DEFAULT_PROCEDURES_DIR } from '../procedure/find-procedures.js';
import type { ProjectConfig } from './load-config.js';

/**
 * The procedures directory a command uses (`--procedures`, else the config's `procedures`, else
 * `procedures`) and who named it, as `resolveSettings` (./settings.ts) gives them; `config` needs
 * only its file and that key, so that `list` can answer from what it kept of the config.
 */
export function proceduresSetting(
  flags: { procedures?: string },
  config: Pick<ProjectConfig, 'file' | 'procedures'>,
): { procedures: string; proceduresGivenBy?: string } {
  const proceduresGivenBy =
    flags.procedures !== undefined
      ? '--procedures'
      : config.procedures !== undefined
        ? `${config.file ?? 'config'}: procedures`
        : undefined;
  return {
    procedures: flags.procedures ?? config.procedures ?? DEFAULT_PROCEDURES_DIR,
    ...(proceduresGivenBy ? { proceduresGivenBy } : {}),
  };
}
