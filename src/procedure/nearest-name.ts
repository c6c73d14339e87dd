/**
 * Edit distance between two strings: Levenshtein plus transposition of two adjacent characters
 * (optimal string alignment), so `sql.exce` is one edit away from `sql.exec`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    const row = d[i]!;
    const prev = d[i - 1]!;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      row[j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
}

/**
 * The candidate closest to `input` by edit distance (case-insensitive), or `undefined` when none is
 * plausibly what was meant: the distance must be at most a third of the longer name (at least 1),
 * or the input must be a prefix/suffix of the candidate (`exec` → `sql.exec`). Ties go to the
 * candidate that sorts first, so hints are deterministic.
 */
export function nearestName(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of [...new Set(candidates)].sort()) {
    const hay = name.toLowerCase();
    const distance = editDistance(needle, hay);
    const limit = Math.max(1, Math.floor(Math.max(needle.length, hay.length) / 3));
    const affix =
      needle.length >= 3 && (hay.endsWith('.' + needle) || hay.startsWith(needle + '.'));
    if (distance > limit && !affix) continue;
    const score = affix ? Math.min(distance, limit) : distance;
    if (!best || score < best.distance) best = { name, distance: score };
  }
  return best?.name;
}
