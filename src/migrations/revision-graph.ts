import { StepError } from '../errors.js';
import type { GraphView, Migration } from './types.js';

/** Fails a step because the migration history itself is invalid (`file:line` in the message). */
export function invalidHistory(message: string, file?: string, line?: number): StepError {
  const where = file ? `${file}${line ? `:${line}` : ''}: ` : '';
  return new StepError('INVALID_MIGRATIONS', `${where}${message}`, {
    ...(file ? { file } : {}),
    ...(line ? { line } : {}),
  });
}

/**
 * The revision graph of a history: validated (unique ids, known parents, no cycle) and queried the
 * way Alembic's RevisionMap is. Declared order (the order of {@link Migration}s given, i.e. files
 * sorted by path) plays the role of Alembic's revision-map insertion order.
 */
export class RevisionGraph implements GraphView {
  private readonly byId = new Map<string, Migration>();
  /** Revisions naming a revision in `parents` (dependencies do not make a revision a non-head). */
  private readonly children = new Map<string, string[]>();
  private readonly order = new Map<string, number>();
  private readonly normalizedDeps = new Map<string, string[]>();

  constructor(readonly migrations: readonly Migration[]) {
    for (const [i, m] of migrations.entries()) {
      const prior = this.byId.get(m.revision);
      if (prior) {
        throw invalidHistory(
          `duplicate revision "${m.revision}" (also declared in ${prior.file})`,
          m.file,
          m.lines?.revision,
        );
      }
      this.byId.set(m.revision, m);
      this.order.set(m.revision, i);
      this.children.set(m.revision, []);
    }
    for (const m of migrations) {
      for (const p of m.parents) {
        if (!this.byId.has(p)) {
          throw invalidHistory(
            `down_revision "${p}" of "${m.revision}" is not a revision of this history`,
            m.file,
            m.lines?.parents,
          );
        }
        this.children.get(p)?.push(m.revision);
      }
      for (const d of m.dependsOn) {
        if (!this.byId.has(d) && this.resolveLabel(d).length === 0) {
          throw invalidHistory(
            `depends_on "${d}" of "${m.revision}" is not a revision or label of this history`,
            m.file,
            m.lines?.dependsOn,
          );
        }
      }
    }
    this.checkAcyclic();
    for (const m of migrations) this.normalizedDeps.set(m.revision, this.normalizeDeps(m));
  }

  /** True when the graph has this exact revision id. */
  has(revision: string): boolean {
    return this.byId.has(revision);
  }

  /** The migration of a revision id; throws for an unknown id. */
  get(revision: string): Migration {
    const m = this.byId.get(revision);
    if (!m) throw new StepError('UNKNOWN_REVISION', `unknown revision "${revision}"`);
    return m;
  }

  /** Heads: revisions no other revision names as a parent, in declared order. */
  heads(): string[] {
    return this.migrations
      .filter((m) => (this.children.get(m.revision) ?? []).length === 0)
      .map((m) => m.revision);
  }

  /** Position in declared order (the tie-breaker of every ordering). */
  indexOf(revision: string): number {
    return this.order.get(revision) ?? Number.MAX_SAFE_INTEGER;
  }

  /** Dependencies resolved to revision ids (a label names the revisions declaring it). */
  resolvedDeps(m: Migration): string[] {
    return m.dependsOn.flatMap((d) => (this.byId.has(d) ? [d] : this.resolveLabel(d)));
  }

  /**
   * Parents plus the dependencies not already implied by a (versioned) ancestor's dependencies:
   * Alembic's `_normalized_down_revisions`, which decides how the version table changes.
   */
  normalizedParents(revision: string): string[] {
    const m = this.get(revision);
    const deps = this.normalizedDeps.get(revision) ?? [];
    return [...new Set([...m.parents, ...deps])];
  }

  /** Every ancestor (parents and dependencies, transitively) of `revisions`, themselves excluded. */
  ancestors(revisions: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const stack = [...revisions].flatMap((r) => this.upEdges(this.get(r)));
    while (stack.length > 0) {
      const r = stack.pop() as string;
      if (out.has(r)) continue;
      out.add(r);
      stack.push(...this.upEdges(this.get(r)));
    }
    return out;
  }

  /** Ancestors along `parents` only (no dependencies). */
  versionedAncestors(revision: string): Set<string> {
    const out = new Set<string>();
    const stack = [...this.get(revision).parents];
    while (stack.length > 0) {
      const r = stack.pop() as string;
      if (out.has(r)) continue;
      out.add(r);
      stack.push(...this.get(r).parents);
    }
    return out;
  }

  /** Descendants (via parents) of a revision, itself included. */
  descendantsOf(revision: string): Set<string> {
    const out = new Set<string>([revision]);
    const stack = [revision];
    while (stack.length > 0) {
      const r = stack.pop() as string;
      for (const c of this.children.get(r) ?? []) {
        if (!out.has(c)) {
          out.add(c);
          stack.push(c);
        }
      }
    }
    return out;
  }

  /** Revisions declaring `label` in their branch_labels. */
  resolveLabel(label: string): string[] {
    return this.migrations.filter((m) => m.branchLabels.includes(label)).map((m) => m.revision);
  }

  private upEdges(m: Migration): string[] {
    return [...m.parents, ...this.resolvedDeps(m)];
  }

  private normalizeDeps(m: Migration): string[] {
    const deps = new Set(this.resolvedDeps(m));
    if (deps.size === 0) return [];
    for (const a of this.versionedAncestors(m.revision)) {
      for (const d of this.resolvedDeps(this.get(a))) deps.delete(d);
    }
    return [...deps];
  }

  private checkAcyclic(): void {
    const state = new Map<string, 1 | 2>();
    const visit = (start: string): void => {
      // Iterative DFS: real histories are deep (hundreds of revisions in a line).
      const stack: { id: string; edges: string[]; path: string[] }[] = [];
      const push = (id: string, path: string[]): void => {
        state.set(id, 1);
        stack.push({ id, edges: this.upEdges(this.get(id)), path: [...path, id] });
      };
      push(start, []);
      while (stack.length > 0) {
        const top = stack[stack.length - 1] as (typeof stack)[number];
        const next = top.edges.shift();
        if (next === undefined) {
          state.set(top.id, 2);
          stack.pop();
          continue;
        }
        const s = state.get(next);
        if (s === 1) {
          const cycle = [...top.path.slice(top.path.indexOf(next)), next];
          const m = this.get(top.id);
          throw invalidHistory(
            `revision cycle: ${cycle.join(' -> ')}`,
            m.file,
            m.lines?.parents ?? m.lines?.revision,
          );
        }
        if (s === undefined) push(next, top.path);
      }
    };
    for (const m of this.migrations) if (!state.has(m.revision)) visit(m.revision);
  }
}
