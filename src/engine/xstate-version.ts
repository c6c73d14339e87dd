import { createRequire } from 'node:module';

/**
 * The version of the xstate this code runs with, recorded with every snapshot (a restore checks
 * it): the installed package's; the bundled CLI has its own written in at build time.
 */
export const XSTATE_VERSION: string = (
  createRequire(import.meta.url)('xstate/package.json') as { version: string }
).version;
