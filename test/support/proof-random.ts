import { randomInt } from 'node:crypto';

/** A seeded pseudo-random source, so a failing proof run can be replayed from its printed seed. */
export interface SeededRandom {
  /** The seed it was made from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
}

/**
 * mulberry32 over a 32-bit seed: tiny, fast and good enough to spread kill moments. The seed is
 * taken from `envName` when set (to replay a failure), otherwise drawn at random.
 */
export function seededRandom(envName: string): SeededRandom {
  const raw = process.env[envName];
  const seed = raw !== undefined && raw !== '' ? Number(raw) >>> 0 : randomInt(1, 2 ** 31);
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
