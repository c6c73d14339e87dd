import type { AuthorityFlags } from '../engine/authorize-procedure.js';
import { authorize } from '../engine/authorize-procedure.js';
import { createReporter } from '../engine/reporter.js';
import { resolveSessionOptions } from '../engine/session-options.js';
import type { Procedure } from '../procedure/types.js';
import { actionSteps } from '../procedure/validate-step-arguments.js';

/**
 * The environment variables of the authority contract (docs/design.md "Database authority
 * contract"). A fleet resolves them once, in the shell that creates it; the process that drives a
 * target (a `runbook worker` elsewhere) never reads its own.
 */
export const AUTHORITY_ENV_VARIABLES = [
  'DB_AUTHORITY',
  'DB_ROLE',
  'DB_ENV',
  'CONFIRM_PROD_MIGRATIONS',
  'RUNBOOK_AUTHORITY_HOSTS',
] as const;

/** The authority a fleet stores: the resolved flags, and what confirmed prod writes, if anything. */
export type FleetAuthority = AuthorityFlags & {
  /** `--confirm-prod` or `CONFIRM_PROD_MIGRATIONS=true`, and the command that gave it. */
  confirmedBy?: string;
  /**
   * The variables of the procedure's `confirm` steps (`env:`) that were `true` in the shell that
   * created the fleet: each passes the steps naming it, as it would alone, and no other.
   */
  confirmedVariables?: string[];
};

function set(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The variables `procedure`'s `confirm` steps name as their own (`with.env`, written as a plain
 * name; one written as an expression is not known before a target runs). A fleet reads them
 * once, in the shell that creates it; whoever drives a target reads none of its own (`gateEnv`).
 * Only `confirm` reads them there, never the authority check.
 */
export function gateVariables(procedure: Procedure): string[] {
  const names = actionSteps(procedure).flatMap(({ step }) => {
    const env = (step.with as { env?: unknown } | undefined)?.env;
    return step.do === 'confirm' && typeof env === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(env)
      ? [env]
      : [];
  });
  return [...new Set(names)];
}

/** What a fleet's driver gives its runs as `gateEnv`: each variable the fleet confirmed. */
export function fleetGateEnv(authority: FleetAuthority): Record<string, string> {
  return Object.fromEntries((authority.confirmedVariables ?? []).map((v) => [v, 'true']));
}

/**
 * The full authority of a fleet: each flag, else its environment variable, as the engine's
 * authority check resolves them (`checkAuthority`: a flag overrides its variable; prod is confirmed
 * by `--confirm-prod` or `CONFIRM_PROD_MIGRATIONS=true`), and which of `variables` (a procedure's
 * {@link gateVariables}) are `true` here. `command` is recorded with a prod confirmation.
 */
export function resolveFleetAuthority(
  flags: AuthorityFlags,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
  variables: readonly string[] = [],
): FleetAuthority {
  const authority = flags.authority ?? set(env.DB_AUTHORITY);
  const role = flags.role ?? set(env.DB_ROLE);
  const dbEnv = flags.env ?? set(env.DB_ENV);
  const hosts = flags.authorityHosts ?? set(env.RUNBOOK_AUTHORITY_HOSTS);
  const via =
    flags.confirmProd === true
      ? '--confirm-prod'
      : env.CONFIRM_PROD_MIGRATIONS?.trim() === 'true'
        ? 'CONFIRM_PROD_MIGRATIONS=true'
        : undefined;
  const confirmed = variables.filter((v) => env[v]?.trim() === 'true');
  return {
    ...(authority !== undefined ? { authority } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(dbEnv !== undefined ? { env: dbEnv } : {}),
    ...(hosts !== undefined ? { authorityHosts: hosts } : {}),
    ...(flags.confirm?.length ? { confirm: [...flags.confirm] } : {}),
    ...(confirmed.length > 0 ? { confirmedVariables: confirmed } : {}),
    ...(via !== undefined ? { confirmProd: true, confirmedBy: `${via} (${command})` } : {}),
  };
}

/**
 * A fleet's authority with `flags` given again (`fleet resume --confirm-prod`…): each flag given
 * replaces the stored field, the rest is kept; only flags count, never the environment.
 */
export function replaceFleetAuthority(
  stored: FleetAuthority,
  flags: AuthorityFlags,
  command: string,
): FleetAuthority {
  const next: FleetAuthority = { ...stored, ...flags };
  if (flags.confirmProd === true) next.confirmedBy = `--confirm-prod (${command})`;
  return next;
}

/** `env` without the authority contract's variables (a driver's environment cannot add authority). */
export function withoutAuthorityEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of AUTHORITY_ENV_VARIABLES) delete out[name];
  return out;
}

/** The stored authority as the engine's flags (the record of who confirmed dropped). */
export function authorityFlagsOf(authority: FleetAuthority): AuthorityFlags {
  const { confirmedBy: _confirmedBy, confirmedVariables: _variables, ...flags } = authority;
  return flags;
}

/**
 * Checks the authority contract of `procedure` for every server of a fleet before anything is
 * enqueued, as `run --dry-run` does before connecting: nothing connects. Throws the first
 * refusal (`RefusalError`, exit 3) or a URL that does not parse (`InvalidInputError`, exit 2).
 */
export function checkFleetAuthority(
  procedure: Procedure,
  authority: FleetAuthority,
  serverUrls: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const settings = resolveSessionOptions({
    env: withoutAuthorityEnv(env),
    reporter: createReporter({ silent: true }),
  });
  const flags = authorityFlagsOf(authority);
  for (const url of new Set(serverUrls)) authorize(procedure, settings, flags, url);
}
