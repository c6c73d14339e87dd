import { redactDatabaseUrl } from '../postgres/url.js';

/**
 * The command line as it may be recorded: each argument holding a URL (`--database-url URL`,
 * `--param name=URL`, `--database-url=URL`) has its password masked argument by argument, so a
 * password with spaces, quotes or unencoded `/ # ?` is found whole. Secret param values are masked
 * later, by value (`recordedCommand`).
 */
export function commandLine(argv: readonly string[]): string {
  const masked = argv.map((arg) => {
    if (!arg.includes('://')) return arg;
    const eq = arg.indexOf('=');
    const scheme = arg.indexOf('://');
    return eq >= 0 && eq < scheme
      ? `${arg.slice(0, eq + 1)}${redactDatabaseUrl(arg.slice(eq + 1))}`
      : redactDatabaseUrl(arg);
  });
  return `runbook ${masked.join(' ')}`;
}
