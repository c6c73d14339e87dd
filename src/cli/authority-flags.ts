import { Option, type Command } from 'commander';
import type { AuthorityFlags } from '../engine/authorize-procedure.js';

/** The authority/confirmation flags as commander parses them. */
export interface AuthorityFlagValues {
  authority?: string;
  role?: string;
  dbEnv?: string;
  confirmProd?: boolean;
  authorityHosts?: string;
  confirm?: string[];
}

/** Adds the authority contract's flags (each overrides its environment variable) to a verb. */
export function addAuthorityOptions(cmd: Command): Command {
  return cmd
    .option('--confirm-prod', 'confirm writes to a prod database (CONFIRM_PROD_MIGRATIONS=true)')
    .option(
      '--confirm <gate>',
      'satisfy a confirm gate of the procedure; repeatable',
      (v: string, p: string[] = []) => [...p, v],
    )
    .addOption(new Option('--authority <name>', 'declared authority (overrides DB_AUTHORITY)'))
    .addOption(
      new Option('--role <role>', 'declared role (overrides DB_ROLE)').choices([
        'staging',
        'prod',
        'replica',
      ]),
    )
    .addOption(new Option('--db-env <env>', 'declared environment (overrides DB_ENV)'))
    .addOption(
      new Option(
        '--authority-hosts <map>',
        'host patterns per authority, e.g. neon=*.neon.tech (overrides RUNBOOK_AUTHORITY_HOSTS)',
      ),
    );
}

/** Commander's values → the engine's {@link AuthorityFlags}. */
export function authorityFlags(values: AuthorityFlagValues): AuthorityFlags {
  return {
    ...(values.authority ? { authority: values.authority } : {}),
    ...(values.role ? { role: values.role } : {}),
    ...(values.dbEnv ? { env: values.dbEnv } : {}),
    ...(values.confirmProd ? { confirmProd: true } : {}),
    ...(values.authorityHosts ? { authorityHosts: values.authorityHosts } : {}),
    ...(values.confirm?.length ? { confirm: values.confirm } : {}),
  };
}
