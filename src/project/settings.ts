import { DEFAULT_RUNS_DIR } from '../runs/file-run-store.js';
import { proceduresSetting } from './procedures-setting.js';
import type { ProjectConfig } from './load-config.js';

/** The flags that have a config or environment counterpart. */
export interface SettingFlags {
  procedures?: string;
  runsDir?: string;
  databaseUrl?: string;
  authorityHosts?: string;
}

/** The settings of one invocation, each from the first source that gives it. */
export interface Settings {
  /** The project's procedures directory. */
  procedures: string;
  /** Who named the procedures directory (`--procedures`, the config file), or undefined (default). */
  proceduresGivenBy?: string;
  runs: string;
  /** The server URL, when a flag or the environment gives one (else the engine's default). */
  databaseUrl?: string;
  /** Host patterns per authority, when a flag, the environment or the config gives them. */
  authorityHosts?: string;
}

const given = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v;

/**
 * Resolves the settings with the precedence flags > environment > config file > defaults
 * (docs/design.md "Configuration"): the URL from `--database-url`, else the variable the config
 * names in `database_url_env` (default `DATABASE_URL`); host patterns from `--authority-hosts`,
 * else `RUNBOOK_AUTHORITY_HOSTS`, else `authority_hosts`; the directories from their flags, else
 * the config (relative to its directory), else `procedures` and `runs` (relative to the working
 * directory).
 */
export function resolveSettings(
  flags: SettingFlags,
  config: ProjectConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Settings {
  const databaseUrl =
    given(flags.databaseUrl) ?? given(env[config.databaseUrlEnv ?? 'DATABASE_URL']);
  const authorityHosts =
    given(flags.authorityHosts) ?? given(env.RUNBOOK_AUTHORITY_HOSTS) ?? config.authorityHosts;
  return {
    ...proceduresSetting(flags, config),
    runs: flags.runsDir ?? config.runs ?? DEFAULT_RUNS_DIR,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    ...(authorityHosts !== undefined ? { authorityHosts } : {}),
  };
}
