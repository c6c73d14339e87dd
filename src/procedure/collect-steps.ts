/** Where a step sits: the main sequence, a branch of a parallel block, or `finally`. */
export type StepScope = 'main' | 'branch' | 'finally';

/** One id-bearing entry of a procedure file, read defensively from the raw YAML value. */
export interface StepEntry {
  kind: 'action' | 'parallel' | 'branch';
  id: string;
  scope: StepScope;
  /** Location of the entry (`['steps', 1, 'parallel', 0, 'steps', 2]`). */
  segments: (string | number)[];
  /** Index of the enclosing top-level entry (of `steps`, or of `finally`). */
  top: number;
  /** For branch steps: the branch id and the position inside the branch. */
  branch?: string;
  index: number;
  /** The raw entry (an object). */
  raw: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every step, parallel block and branch of a raw procedure value, in document order, skipping
 * anything malformed (the schema reports that). Entries without a string `id` are left out.
 */
export function collectSteps(root: unknown): StepEntry[] {
  const entries: StepEntry[] = [];
  if (!isObject(root)) return entries;
  const push = (entry: Omit<StepEntry, 'id'>) => {
    // An id that is not a string is the schema's to report; String() on it could even throw.
    if (typeof entry.raw.id === 'string') entries.push({ ...entry, id: entry.raw.id });
  };
  const idOf = (value: Record<string, unknown>) => (typeof value.id === 'string' ? value.id : '');
  const steps = Array.isArray(root.steps) ? root.steps : [];
  steps.forEach((step, top) => {
    if (!isObject(step)) return;
    if ('parallel' in step) {
      push({
        kind: 'parallel',
        scope: 'main',
        segments: ['steps', top],
        top,
        index: top,
        raw: step,
      });
      const branches = Array.isArray(step.parallel) ? step.parallel : [];
      branches.forEach((branch, b) => {
        if (!isObject(branch)) return;
        const segments = ['steps', top, 'parallel', b];
        push({
          kind: 'branch',
          scope: 'branch',
          segments,
          top,
          index: b,
          raw: branch,
        });
        const inner = Array.isArray(branch.steps) ? branch.steps : [];
        inner.forEach((s, index) => {
          if (!isObject(s)) return;
          push({
            kind: 'action',
            scope: 'branch',
            segments: [...segments, 'steps', index],
            top,
            branch: idOf(branch),
            index,
            raw: s,
          });
        });
      });
    } else {
      push({
        kind: 'action',
        scope: 'main',
        segments: ['steps', top],
        top,
        index: top,
        raw: step,
      });
    }
  });
  const fin = Array.isArray(root.finally) ? root.finally : [];
  fin.forEach((step, top) => {
    if (!isObject(step)) return;
    push({
      kind: 'action',
      scope: 'finally',
      segments: ['finally', top],
      top,
      index: top,
      raw: step,
    });
  });
  return entries;
}

/**
 * Whether `target`'s output is settled before `reader` runs: earlier in the main sequence, earlier
 * in the same branch, any main step for a finally step, or an earlier finally step.
 */
export function comesBefore(target: StepEntry, reader: StepEntry): boolean {
  if (reader.scope === 'finally') {
    return target.scope !== 'finally' || target.index < reader.index;
  }
  if (target.scope === 'finally') return false;
  if (target.top < reader.top) return true;
  if (target.top > reader.top) return false;
  // Same top-level block: only an earlier step of the same branch has settled.
  return (
    reader.scope === 'branch' &&
    target.scope === 'branch' &&
    target.branch === reader.branch &&
    target.index < reader.index
  );
}
