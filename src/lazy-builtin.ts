import { createRequire } from 'node:module';

/**
 * A Node built-in module (`node:crypto`, `node:child_process`…), loaded on the first call rather
 * than when the module importing it loads. For the few modules the CLI's launcher holds (its
 * bundle, dist/bin/main.cjs): each built-in costs a few milliseconds to load, and commands that
 * never use it (`--help` first) should not pay for it.
 */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(name) as T);
}
