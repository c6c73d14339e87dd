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

/**
 * Commander's values of the authority flags (`authorityOptions`) → the engine's
 * {@link AuthorityFlags}. Apart from the options themselves: a verb's module loads without
 * commander.
 */
export function authorityFlags(o: AuthorityFlagValues): AuthorityFlags {
  return {
    ...(o.authority ? { authority: o.authority } : {}),
    ...(o.role ? { role: o.role } : {}),
    ...(o.dbEnv ? { env: o.dbEnv } : {}),
    ...(o.confirmProd ? { confirmProd: true } : {}),
    ...(o.authorityHosts ? { authorityHosts: o.authorityHosts } : {}),
    ...(o.confirm?.length ? { confirm: o.confirm } : {}),
  };
}
