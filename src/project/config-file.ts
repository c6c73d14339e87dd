import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

/** The project configuration file, read from the working directory (or `$RUNBOOK_CONFIG`). */
export const CONFIG_FILE = 'runbook.config.yaml';

/**
 * The absolute path of the config file a command reads: `$RUNBOOK_CONFIG` when set (it must
 * exist: else an {@link InvalidInputError}), else `runbook.config.yaml` in `cwd` when present;
 * null when the project has none. Only looks: nothing is read or parsed.
 */
export function configFileOf(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const named = env.RUNBOOK_CONFIG?.trim();
  const file = path.resolve(cwd, named || CONFIG_FILE);
  if (existsSync(file)) return file;
  if (named) {
    throw new InvalidInputError([
      { path: 'RUNBOOK_CONFIG', message: `config file ${file} does not exist` },
    ]);
  }
  return null;
}
