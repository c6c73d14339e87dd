import { Option } from 'commander';

/** The authority contract's flags (each overrides its environment variable), for `run` and `resume`. */
export function authorityOptions(): Option[] {
  return [
    new Option(
      '--confirm-prod',
      'confirm writes to a prod database (CONFIRM_PROD_MIGRATIONS=true)',
    ),
    new Option('--confirm <gate>', 'satisfy a confirm gate of the procedure; repeatable').argParser(
      (v: string, p: string[] = []) => [...p, v],
    ),
    new Option('--authority <name>', 'declared authority (overrides DB_AUTHORITY)'),
    new Option('--role <role>', 'declared role (overrides DB_ROLE)').choices([
      'staging',
      'prod',
      'replica',
    ]),
    new Option('--db-env <env>', 'declared environment (overrides DB_ENV)'),
    new Option(
      '--authority-hosts <map>',
      'host patterns per authority, e.g. neon=*.neon.tech (overrides RUNBOOK_AUTHORITY_HOSTS and `authority_hosts` in the config)',
    ),
  ];
}
