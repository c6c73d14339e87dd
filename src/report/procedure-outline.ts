import type { Procedure, Step } from '../procedure/types.js';

/** An action step as the reviewer's views place it. */
export interface OutlineAction {
  kind: 'action';
  id: string;
  action: string;
  description: string | null;
  phase: 'main' | 'finally';
  /** `parallel-id/branch-id` inside a parallel block, else null. */
  branch: string | null;
}

/** A parallel block: its branches run side by side. */
export interface OutlineParallel {
  kind: 'parallel';
  id: string;
  description: string | null;
  branches: { id: string; steps: OutlineItem[] }[];
}

/** One item of a sequence. */
export type OutlineItem = OutlineAction | OutlineParallel;

/** The shape of a procedure: the main sequence and the `finally` block. */
export interface ProcedureOutline {
  main: OutlineItem[];
  finally: OutlineAction[];
}

function outlineSteps(steps: readonly Step[], branch: string | null): OutlineItem[] {
  return steps.map((s): OutlineItem => {
    if (s.kind === 'action') {
      return {
        kind: 'action',
        id: s.id,
        action: s.do,
        description: s.description ?? null,
        phase: 'main',
        branch,
      };
    }
    return {
      kind: 'parallel',
      id: s.id,
      description: s.description ?? null,
      branches: s.branches.map((b) => ({
        id: b.id,
        steps: outlineSteps(b.steps, `${s.id}/${b.id}`),
      })),
    };
  });
}

/** The outline of a procedure, in declaration order. Pure. */
export function outlineProcedure(procedure: Procedure): ProcedureOutline {
  return {
    main: outlineSteps(procedure.steps, null),
    finally: procedure.finally.map((s) => ({
      kind: 'action',
      id: s.id,
      action: s.do,
      description: s.description ?? null,
      phase: 'finally',
      branch: null,
    })),
  };
}

/** Every action step of an outline, main (depth first, branch by branch) then finally. */
export function outlineActions(outline: ProcedureOutline): OutlineAction[] {
  const out: OutlineAction[] = [];
  const walk = (items: readonly OutlineItem[]): void => {
    for (const item of items) {
      if (item.kind === 'action') out.push(item);
      else for (const b of item.branches) walk(b.steps);
    }
  };
  walk(outline.main);
  out.push(...outline.finally);
  return out;
}
