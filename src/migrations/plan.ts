import { StepError } from '../errors.js';
import type { RevisionGraph } from './revision-graph.js';
import type { Migration } from './types.js';

/**
 * Revisions the version table's rows imply are applied: each row and all its ancestors
 * (parents and dependencies). Linear tools record every applied revision; the rule still holds,
 * except for a history whose migrations are `recordedAlone` (dbmate, diesel, prisma), where a row
 * implies only itself and a gap below it is still pending, as the tool sees it.
 */
export function appliedSet(graph: RevisionGraph, rows: readonly string[]): Set<string> {
  const known = rows.filter((r) => graph.has(r));
  const unknown = rows.filter((r) => !graph.has(r));
  if (unknown.length > 0) {
    throw new StepError(
      'UNKNOWN_REVISION',
      `the version table records ${unknown.map((r) => `"${r}"`).join(', ')}, not a revision of this history`,
      {
        hint: 'the database was migrated from another history; stamp it or point at the right source',
      },
    );
  }
  if (graph.migrations[0]?.recordedAlone) return new Set(known);
  const out = graph.ancestors(known);
  for (const r of known) out.add(r);
  return out;
}

/**
 * Whether the version table's `rows` put the database at the history's heads, so that an upgrade
 * to them has nothing to run and nothing to refuse: every row names a revision of the history,
 * and every head and every migration below them is applied ({@link appliedSet}: for a tool that
 * records every migration, `recordedAlone`, a gap below the last is pending). Where the tool
 * records where it is (Alembic, golang-migrate), every row must also be a head: a row below one
 * is not where an upgrade leaves the table (a head another one depends on is folded into it, as
 * Alembic folds it). A history without migrations has no heads to be at.
 */
export function atHeads(graph: RevisionGraph, rows: readonly string[]): boolean {
  const heads = graph.heads();
  if (heads.length === 0 || rows.some((r) => !graph.has(r))) return false;
  if (!graph.migrations[0]?.recordedAlone && rows.some((r) => !heads.includes(r))) return false;
  const applied = appliedSet(graph, rows);
  return [...heads, ...graph.ancestors(heads)].every((r) => applied.has(r));
}

function ambiguous(target: string, candidates: string[], hint: string): StepError {
  return new StepError(
    'AMBIGUOUS_TARGET',
    `"${target}" matches several revisions: ${candidates.join(', ')}`,
    { hint },
  );
}

function resolveOne(graph: RevisionGraph, name: string): string {
  if (graph.has(name)) return name;
  const labelled = graph.resolveLabel(name);
  if (labelled.length === 1) return labelled[0] as string;
  if (labelled.length > 1) throw ambiguous(name, labelled, 'name one revision of the branch');
  const candidates = graph.migrations.map((m) => m.revision).filter((r) => r.startsWith(name));
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length > 1) throw ambiguous(name, candidates, 'give a longer prefix');
  throw new StepError('UNKNOWN_REVISION', `no revision or branch label "${name}" in this history`);
}

/**
 * Resolves an upgrade target to the revisions that must end up applied (`base` → none).
 * Accepts `head` (one head only, as Alembic), `heads`, `<label>@head`, `<rev>@head`, a revision
 * id, a branch label or a unique prefix. `+N` is handled by {@link planUpgrade}.
 */
export function resolveTarget(graph: RevisionGraph, target: string): string[] {
  const heads = graph.heads();
  if (target === 'base') return [];
  if (target === 'heads') return heads;
  if (target === 'head') {
    if (heads.length > 1) {
      throw new StepError(
        'MULTIPLE_HEADS',
        `multiple heads are present (${heads.join(', ')}); "head" is ambiguous`,
        { hint: 'target "heads" for all of them, or "<branch_label>@head" to narrow to one' },
      );
    }
    return heads;
  }
  const at = target.indexOf('@');
  if (at > 0 && target.slice(at + 1) === 'head') {
    const branch = target.slice(0, at);
    const roots = graph.has(branch) ? [branch] : graph.resolveLabel(branch);
    if (roots.length === 0) {
      throw new StepError('UNKNOWN_REVISION', `no branch label or revision "${branch}"`);
    }
    const reach = new Set(roots.flatMap((r) => [...graph.descendantsOf(r)]));
    const found = heads.filter((h) => reach.has(h));
    if (found.length > 1) throw ambiguous(target, found, 'the branch has several heads');
    return found;
  }
  return [resolveOne(graph, target)];
}

/**
 * Upgrade order of `needs`, reproducing Alembic's walk (RevisionMap._topological_sort, reversed):
 * from the targets (declared order) down along normalized parents in declared order, never
 * passing a revision another pending head still descends from. Consequence that matters: at a
 * merge whose parents are both pending, the branch of the LAST declared parent is applied first —
 * the order in which `alembic upgrade <merge>` from empty hits `relation "tenants" does not exist`.
 */
export function upgradeOrder(
  graph: RevisionGraph,
  needs: Set<string>,
  targets: string[],
): string[] {
  const todo = new Set(needs);
  const heads = [...new Set(targets.filter((t) => todo.has(t)))].sort(
    (a, b) => graph.indexOf(a) - graph.indexOf(b),
  );
  // Each head's ancestors, computed only when another head asks (a linear history never does:
  // computing them at every step would make planning quadratic in the history's length).
  const ancestorsOf: (Set<string> | undefined)[] = heads.map(() => undefined);
  const ancestorsAt = (i: number): Set<string> =>
    (ancestorsOf[i] ??= graph.ancestors([heads[i] as string]));
  const output: string[] = [];
  let idx = 0;
  while (heads.length > 0) {
    const candidate = heads[idx] as string;
    const blocker = heads.findIndex((_, i) => i !== idx && ancestorsAt(i).has(candidate));
    if (blocker >= 0) {
      idx = blocker;
      continue;
    }
    if (todo.delete(candidate)) output.push(candidate);
    const add = graph.normalizedParents(candidate).filter((r) => todo.has(r) && !heads.includes(r));
    if (add.length === 0) {
      heads.splice(idx, 1);
      ancestorsOf.splice(idx, 1);
      idx = Math.max(idx - 1, 0);
    } else {
      heads[idx] = add[0] as string;
      ancestorsOf[idx] = undefined;
      for (const r of add.slice(1)) {
        heads.push(r);
        ancestorsOf.push(undefined);
      }
    }
  }
  output.reverse();
  // Needs outside every target's ancestry cannot occur; keep any leftover in a valid order anyway.
  for (const m of graph.migrations) if (todo.has(m.revision)) output.push(m.revision);
  return output;
}

/**
 * The migrations to run, in order, to bring `applied` (see {@link appliedSet}) up to `target`.
 * Pure: the same graph, applied set and target always give the same plan.
 */
export function planUpgrade(
  graph: RevisionGraph,
  applied: Set<string>,
  target: string,
): Migration[] {
  const relative = /^\+(\d+)$/.exec(target.trim());
  const targets = relative ? graph.heads() : resolveTarget(graph, target.trim());
  const needs = new Set<string>();
  for (const r of [...graph.ancestors(targets), ...targets]) if (!applied.has(r)) needs.add(r);
  // A tool that applies whatever its table lacks applies it in file order (the declared order).
  let order = graph.migrations[0]?.recordedAlone
    ? graph.migrations.map((m) => m.revision).filter((r) => needs.has(r))
    : upgradeOrder(graph, needs, targets);
  if (relative) {
    const n = Number(relative[1]);
    if (order.length < n) {
      throw new StepError(
        'RELATIVE_TARGET',
        `"${target}" asks for ${n} migrations but only ${order.length} are pending`,
      );
    }
    order = order.slice(0, n);
  }
  return order.map((r) => graph.get(r));
}

/**
 * The migrations to run for a sequence of targets, each planned after the previous ones (as an
 * upgrade with a list of targets applies them). Pure; used by dry runs.
 */
export function planTargets(
  graph: RevisionGraph,
  rows: readonly string[],
  targets: readonly string[],
): Migration[] {
  const applied = appliedSet(graph, rows);
  const plan: Migration[] = [];
  for (const t of targets) {
    for (const m of planUpgrade(graph, applied, t)) {
      plan.push(m);
      applied.add(m.revision);
    }
  }
  return plan;
}
