import type { ActionRegistry } from '../actions/types.js';
import { InvalidInputError, RefusalError } from '../errors.js';
import { describeTarget } from '../postgres/target.js';
import type { Procedure } from '../procedure/types.js';
import { checkAuthority, type AuthorityGranted } from './authority.js';
import type { SessionSettings } from './session-options.js';

/** Authority flags of a CLI invocation; each overrides its environment variable. */
export interface AuthorityFlags {
  authority?: string;
  role?: string;
  env?: string;
  confirmProd?: boolean;
  authorityHosts?: string;
  /** Further confirmation gates given with `--confirm <gate>` (e.g. `drop`). */
  confirm?: string[];
}

/** The gates confirmed for a run: those the authority check granted plus `--confirm <gate>`s. */
export function confirmedGates(
  granted: ReadonlySet<string>,
  flags: AuthorityFlags | undefined,
): Set<string> {
  return new Set([...granted, ...(flags?.confirm ?? [])]);
}

/**
 * The authority contract for one invocation, before anything connects: the URL must parse
 * ({@link InvalidInputError}, exit 2) and the declared authority, role and confirmations must allow
 * the procedure ({@link RefusalError}, exit 3). Warnings are printed; the grant is returned.
 */
export function authorize(
  procedure: Procedure,
  settings: SessionSettings,
  flags: AuthorityFlags | undefined,
  url: string,
): AuthorityGranted {
  try {
    describeTarget(url);
  } catch (err) {
    throw new InvalidInputError([{ message: (err as Error).message, path: '--database-url' }]);
  }
  const decision = checkAuthority({
    requires: procedure.requires,
    writes: procedureWrites(procedure, settings.actions),
    env: settings.env,
    flags: flags ?? {},
    url,
  });
  if (!decision.ok) throw new RefusalError(decision.code, decision.message);
  for (const warning of decision.warnings) settings.reporter.line(`warning: ${warning}`);
  return decision;
}

/**
 * Whether any step of a procedure may write (the authority contract's `writes`), derived from its
 * steps: an action counts as writing unless its definition says `writes: false` (an unknown one
 * counts as writing). A declared `requires.writes: true` makes a read-only procedure count as
 * writing; a declared `false` is never believed over the steps (loading refuses a contradicting
 * one; a `Procedure` built by hand gets the derived value).
 */
export function procedureWrites(procedure: Procedure, actions: ActionRegistry): boolean {
  const walk = (steps: Procedure['steps']): boolean =>
    steps.some((s) =>
      s.kind === 'action'
        ? (actions.get(s.do)?.writes ?? true)
        : s.branches.some((b) => walk(b.steps)),
    );
  return procedure.requires.writes === true || walk(procedure.steps) || walk(procedure.finally);
}
