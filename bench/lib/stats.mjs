// Timing and statistics helpers shared by the benchmarks. Everything is measured with
// performance.now() in the same process and the same run: ratios, never absolute timed tests.
import { performance } from 'node:perf_hooks';

/** Milliseconds taken by `fn` (awaited), with its result. */
export async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

/** The q-quantile (0..1) of a list of numbers, nearest-rank on a sorted copy. */
export function quantile(values, q) {
  if (values.length === 0) throw new Error('quantile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** The median (the 0.5 quantile). */
export function median(values) {
  return quantile(values, 0.5);
}

/**
 * Runs each variant `reps` times, interleaved (A B C, A B C, ...) so a noisy neighbour slows all
 * variants alike rather than one of them. `variants` maps a name to an async function receiving
 * the repetition index and returning a duration in ms (or `{ ms, ... }`). `warmup` extra rounds
 * run first and are not counted (JIT, caches). Returns the samples per variant.
 */
export async function interleave(variants, reps, { warmup = 0 } = {}) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = -warmup; i < reps; i++) {
    for (const [name, fn] of Object.entries(variants)) {
      const out = await fn(i);
      if (i >= 0) samples[name].push(typeof out === 'number' ? out : out.ms);
    }
  }
  return samples;
}

/**
 * The median of the per-round ratios `a[i] / b[i]` of two interleaved sample lists: each round's
 * pair saw the same machine load, so this is steadier than a ratio of medians on a shared machine.
 */
export function pairedRatio(a, b) {
  if (a.length !== b.length) throw new Error('paired samples must have the same length');
  return median(a.map((x, i) => x / b[i]));
}

/** "1234 ms" / "1.23 s" / "0.42 ms" for a duration. */
export function fmtMs(ms) {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A ratio as "1.23×". */
export function fmtRatio(r) {
  return `${r.toFixed(r >= 10 ? 1 : 2)}×`;
}

/** A list of samples as "median (min–max, n=N)". */
export function fmtSamples(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return `${fmtMs(median(values))} (${fmtMs(sorted[0])}–${fmtMs(sorted[sorted.length - 1])}, n=${values.length})`;
}
