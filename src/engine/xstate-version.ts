import { createRequire } from 'node:module';

/** The installed xstate version, recorded with every snapshot (a restore checks it). */
export const XSTATE_VERSION: string = (
  createRequire(import.meta.url)('xstate/package.json') as { version: string }
).version;
