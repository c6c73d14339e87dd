import { checkProceduresDir } from '../procedure/find-procedures.js';
import {
  readProjectConfig,
  type LoadedConfig,
  type ProjectConfig,
} from '../project/load-config.js';
import { resolveSettings, type SettingFlags, type Settings } from '../project/settings.js';

/**
 * The project's config (with the bytes it was read from) and this invocation's settings (flags >
 * environment > config > defaults). With `procedures`, a procedures directory named by a flag or
 * the config must exist (exit 2).
 */
export async function projectSettings(
  flags: SettingFlags,
  needs: { procedures?: boolean } = {},
): Promise<{ config: ProjectConfig; source: LoadedConfig['source']; settings: Settings }> {
  const { config, source } = await readProjectConfig();
  const settings = resolveSettings(flags, config);
  if (needs.procedures && settings.proceduresGivenBy)
    checkProceduresDir(settings.procedures, settings.proceduresGivenBy);
  return { config, source, settings };
}
