import type { JsonObject, JsonValue } from '../json.js';

/** A compiled machine config (see `compileProcedure`): plain JSON with the machine id. */
export type MermaidMachineConfig = JsonObject & { id: string };

interface StateNode {
  key: string;
  path: string[];
  /** Mermaid id: letters, digits and `_` only, unique in the diagram. */
  mid: string;
  label: string;
  config: JsonObject;
  kind: 'step' | 'compound' | 'parallel' | 'atomic' | 'failed';
  children: StateNode[];
  parent?: StateNode;
}

interface Edge {
  from: StateNode;
  to: StateNode | 'end';
  label: string;
}

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const text = (v: JsonValue | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

function isStep(config: JsonObject): boolean {
  const states = config.states;
  return isObject(states) && isObject(states.running) && isObject(states.running.invoke);
}

/** Normalises an XState transition (string, object or list) to `{ target, guard }` items. */
function transitions(value: JsonValue | undefined): { target?: string; guard?: string }[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(transitions);
  if (typeof value === 'string') return [{ target: value }];
  if (!isObject(value)) return [];
  const guard = isObject(value.guard) ? text(value.guard.type) : text(value.guard);
  return [{ target: text(value.target), guard }];
}

/** The diagram being built: its state tree, the edges found so far, and its id allocator. */
interface Diagram {
  machineId: string;
  root: StateNode;
  edges: Edge[];
  /** Mermaid id for a state path: letters, digits and `_`, unique in the diagram. */
  midFor: (path: string[]) => string;
}

/** A Mermaid id allocator: each path gets a fresh id, suffixed `_2`, `_3`… on a clash. */
function midAllocator(): (path: string[]) => string {
  const used = new Set<string>();
  return (path) => {
    const base = path.join('_').replace(/[^A-Za-z0-9_]/g, '_') || 'root';
    let mid = /^[A-Za-z]/.test(base) ? base : `s_${base}`;
    for (let n = 2; used.has(mid); n++) mid = `${base}_${n}`;
    used.add(mid);
    return mid;
  };
}

/** The state tree of a config; a step is one node (its inner states are not drawn). */
function buildNode(
  key: string,
  path: string[],
  cfg: JsonObject,
  midFor: Diagram['midFor'],
  parent?: StateNode,
): StateNode {
  const step = path.length > 0 && isStep(cfg);
  const invoke = step ? ((cfg.states as JsonObject).running as JsonObject).invoke : undefined;
  const action = isObject(invoke) ? text(invoke.src) : undefined;
  const node: StateNode = {
    key,
    path,
    mid: midFor(path.length === 0 ? ['root'] : path),
    label: action ? `${key} (${action})` : key,
    config: cfg,
    kind: step
      ? 'step'
      : cfg.type === 'parallel'
        ? 'parallel'
        : isObject(cfg.states)
          ? 'compound'
          : 'atomic',
    children: [],
    parent,
  };
  if (!step && isObject(cfg.states)) {
    for (const [childKey, child] of Object.entries(cfg.states)) {
      if (isObject(child)) {
        node.children.push(buildNode(childKey, [...path, childKey], child, midFor, node));
      }
    }
  }
  return node;
}

/** The node a transition target names: `#machine.a.b` from the root, else a sibling. */
function resolveTarget(
  d: Diagram,
  from: StateNode,
  target: string | undefined,
): StateNode | undefined {
  if (target === undefined) return undefined;
  if (target.startsWith('#')) {
    const [id, ...rest] = target.slice(1).split('.');
    if (id !== d.machineId) return undefined;
    let node: StateNode | undefined = d.root;
    for (const key of rest) node = node?.children.find((c) => c.key === key);
    return node;
  }
  return from.parent?.children.find((c) => c.key === target);
}

/** Draws a step's failed state right after it, with `error` into it and its events out. */
function addFailedState(d: Diagram, node: StateNode, next: StateNode | undefined): void {
  const states = node.config.states as JsonObject;
  const config = states.failed as JsonObject;
  const failed: StateNode = {
    key: `${node.key}.failed`,
    path: [...node.path, 'failed'],
    mid: d.midFor([...node.path, 'failed']),
    label: `${node.key} failed`,
    config,
    kind: 'failed',
    children: [],
    parent: node.parent,
  };
  node.parent!.children.splice(node.parent!.children.indexOf(node) + 1, 0, failed);
  d.edges.push({ from: node, to: failed, label: 'error' });
  const on = isObject(config.on) ? config.on : {};
  for (const [event, value] of Object.entries(on)) {
    for (const r of transitions(value)) {
      const to =
        r.target === 'running'
          ? node
          : r.target === 'done'
            ? next
            : resolveTarget(d, node, r.target);
      if (to) d.edges.push({ from: failed, to, label: event });
    }
  }
}

/** A step's edges: its error routes (failed state, `on_error` jump, recorded) and `onDone`. */
function collectStepEdges(d: Diagram, node: StateNode): void {
  const states = node.config.states as JsonObject;
  const invoke = (states.running as JsonObject).invoke as JsonObject;
  const next = resolveTarget(d, node, transitions(node.config.onDone)[0]?.target);
  for (const t of transitions(invoke.onError)) {
    if (t.target === 'failed' && isObject(states.failed)) {
      addFailedState(d, node, next);
    } else {
      const to = t.target === 'done' ? next : resolveTarget(d, node, t.target);
      if (to)
        d.edges.push({
          from: node,
          to,
          label: t.target === 'done' ? 'error (recorded)' : 'error (on_error)',
        });
    }
  }
  if (next) d.edges.push({ from: node, to: next, label: '' });
}

/** The edges of `node` and everything under it, in config order. */
function collectEdges(d: Diagram, node: StateNode): void {
  if (node.kind === 'step') return collectStepEdges(d, node);
  const edge = (to: StateNode | undefined, label: string): void => {
    if (to) d.edges.push({ from: node, to, label });
  };
  if (node.config.type === 'final') d.edges.push({ from: node, to: 'end', label: '' });
  const on = isObject(node.config.on) ? node.config.on : {};
  for (const [event, value] of Object.entries(on)) {
    for (const t of transitions(value)) {
      edge(resolveTarget(d, node, t.target), t.guard ? `${event} [${t.guard}]` : event);
    }
  }
  for (const t of transitions(node.config.always)) {
    edge(resolveTarget(d, node, t.target), t.guard ?? 'always');
  }
  if (node !== d.root) {
    for (const t of transitions(node.config.onDone)) edge(resolveTarget(d, node, t.target), '');
  }
  for (const child of [...node.children]) collectEdges(d, child);
}

/**
 * The edges by the composite that draws them. Mermaid draws a transition only between states of
 * one composite, so an edge between composites is lifted to their outermost distinct ancestors.
 */
function placeEdges(root: StateNode, edges: Edge[]): Map<StateNode, Edge[]> {
  const ancestry = (n: StateNode): StateNode[] => (n.parent ? [...ancestry(n.parent), n] : [n]);
  const placed = new Map<StateNode, Edge[]>();
  for (const edge of edges) {
    let scope = edge.from.parent ?? root;
    let { from, to, label } = edge;
    if (to !== 'end' && to.parent !== from.parent) {
      const a = ancestry(from);
      const b = ancestry(to);
      let i = 0;
      while (a[i] && a[i] === b[i]) i++;
      if (a[i] && b[i]) {
        scope = a[i - 1]!;
        if (a[i] !== from) label = `${from.key} ${label}`;
        from = a[i]!;
        to = b[i]!;
      }
    }
    placed.set(scope, [...(placed.get(scope) ?? []), { from, to, label }]);
  }
  return placed;
}

/** The diagram's lines: the root and each state nested in its composite, then its edges. */
function diagramLines(root: StateNode, placed: Map<StateNode, Edge[]>): string[] {
  const lines = ['stateDiagram-v2'];
  const quote = (s: string) => s.replace(/"/g, '#quot;');
  const edgeLine = (e: Edge) =>
    `${e.from.mid} --> ${e.to === 'end' ? '[*]' : e.to.mid}${e.label ? ` : ${e.label}` : ''}`;
  const render = (node: StateNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    lines.push(`${pad}state "${quote(node.label)}" as ${node.mid}`);
    if (node.children.length === 0) return;
    lines.push(`${pad}state ${node.mid} {`);
    const inner = '  '.repeat(depth + 1);
    if (node.kind === 'parallel') {
      node.children.forEach((child, i) => {
        if (i > 0) lines.push(`${inner}--`);
        render(child, depth + 1);
      });
    } else {
      const initial = node.children.find((c) => c.key === text(node.config.initial));
      if (initial) lines.push(`${inner}[*] --> ${initial.mid}`);
      for (const child of node.children) render(child, depth + 1);
    }
    for (const edge of placed.get(node) ?? []) lines.push(inner + edgeLine(edge));
    lines.push(`${pad}}`);
  };
  lines.push(`  [*] --> ${root.mid}`);
  render(root, 1);
  lines.push(`  ${root.mid} --> [*]`);
  return lines;
}

/**
 * Renders a compiled machine config as a Mermaid `stateDiagram-v2`. Each step is drawn as one
 * state (labelled `id (action)`) with its failed state when failure rests there: `error` into
 * it, `RETRY` back, `SKIP` on to the next state. Parallel states (the root's `main` and
 * `finally` regions, `parallel:` blocks and their branches) are concurrent regions separated by
 * `--`. Transitions Mermaid cannot draw between composites (an `on_error` jump out of a branch)
 * are drawn between their outermost distinct ancestors. Output is deterministic: it follows the
 * config's key order and ends with a newline.
 */
export function renderMermaid(config: MermaidMachineConfig): string {
  const midFor = midAllocator();
  const root = buildNode(config.id, [], config, midFor);
  const diagram: Diagram = { machineId: config.id, root, edges: [], midFor };
  collectEdges(diagram, root);
  return diagramLines(root, placeEdges(root, diagram.edges)).join('\n') + '\n';
}
