import { InvalidArgumentError, Option } from 'commander';

/** `--param key=value` accumulated into a map (the last value of a key wins). */
export function collectParam(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0)
    // InvalidArgumentError: commander prints it naming the option (a bare CommanderError is silent).
    throw new InvalidArgumentError(`--param expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * The options verbs share, each with the description its `--help` shows. No default is set in
 * commander for the directories: a flag left out falls back to the config file, then the default
 * (docs/design.md "Configuration"), so the help names both.
 */
export const option = {
  json: (what: string) => new Option('--json', what),
  procedures: () =>
    new Option(
      '--procedures <dir>',
      "the project's procedures (default: `procedures:` in runbook.config.yaml, else ./procedures); built-in procedures are found after it",
    ),
  runsDir: () =>
    new Option(
      '--runs-dir <dir>',
      'the runs directory (default: `runs:` in runbook.config.yaml, else ./runs)',
    ),
  store: () =>
    new Option(
      '--store <url>',
      'the run store: a postgres:// URL or a runs directory (default: $RUNBOOK_STORE, else `store:` in runbook.config.yaml, else the runs directory)',
    ),
  databaseUrl: () =>
    new Option(
      '--database-url <url>',
      'server URL, maintenance database (default: $DATABASE_URL, or the variable `database_url_env` names; else the embedded server)',
    ),
  param: (what: string) => new Option('--param <key=value>', what).argParser(collectParam),
  noColor: () =>
    new Option(
      '--no-color',
      'no colours in progress lines (as NO_COLOR=1; FORCE_COLOR=1 forces them)',
    ),
};
