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
  const used = new Set<string>();
  const midFor = (path: string[]): string => {
    const base = path.join('_').replace(/[^A-Za-z0-9_]/g, '_') || 'root';
    let mid = /^[A-Za-z]/.test(base) ? base : `s_${base}`;
    for (let n = 2; used.has(mid); n++) mid = `${base}_${n}`;
    used.add(mid);
    return mid;
  };

  const build = (key: string, path: string[], cfg: JsonObject, parent?: StateNode): StateNode => {
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
        if (isObject(child)) node.children.push(build(childKey, [...path, childKey], child, node));
      }
    }
    return node;
  };
  const root = build(config.id, [], config);

  const byPath = (path: string[]): StateNode | undefined => {
    let node: StateNode | undefined = root;
    for (const key of path) node = node?.children.find((c) => c.key === key);
    return node;
  };
  const resolve = (from: StateNode, target: string | undefined): StateNode | undefined => {
    if (target === undefined) return undefined;
    if (target.startsWith('#')) {
      const [id, ...rest] = target.slice(1).split('.');
      return id === config.id ? byPath(rest) : undefined;
    }
    return from.parent?.children.find((c) => c.key === target);
  };

  const edges: Edge[] = [];
  const stepEdges = (node: StateNode): void => {
    const states = node.config.states as JsonObject;
    const running = states.running as JsonObject;
    const invoke = running.invoke as JsonObject;
    const next = resolve(node, transitions(node.config.onDone)[0]?.target);
    for (const t of transitions(invoke.onError)) {
      if (t.target === 'failed' && isObject(states.failed)) {
        const failed: StateNode = {
          key: `${node.key}.failed`,
          path: [...node.path, 'failed'],
          mid: midFor([...node.path, 'failed']),
          label: `${node.key} failed`,
          config: states.failed,
          kind: 'failed',
          children: [],
          parent: node.parent,
        };
        node.parent!.children.splice(node.parent!.children.indexOf(node) + 1, 0, failed);
        edges.push({ from: node, to: failed, label: 'error' });
        const on = isObject(states.failed.on) ? states.failed.on : {};
        for (const [event, value] of Object.entries(on)) {
          for (const r of transitions(value)) {
            const to =
              r.target === 'running' ? node : r.target === 'done' ? next : resolve(node, r.target);
            if (to) edges.push({ from: failed, to, label: event });
          }
        }
      } else {
        const to = t.target === 'done' ? next : resolve(node, t.target);
        if (to)
          edges.push({
            from: node,
            to,
            label: t.target === 'done' ? 'error (recorded)' : 'error (on_error)',
          });
      }
    }
    if (next) edges.push({ from: node, to: next, label: '' });
  };
  const stateEdges = (node: StateNode): void => {
    if (node.kind === 'step') return stepEdges(node);
    if (node.config.type === 'final') edges.push({ from: node, to: 'end', label: '' });
    const on = isObject(node.config.on) ? node.config.on : {};
    for (const [event, value] of Object.entries(on)) {
      for (const t of transitions(value)) {
        const to = resolve(node, t.target);
        if (to) edges.push({ from: node, to, label: t.guard ? `${event} [${t.guard}]` : event });
      }
    }
    for (const t of transitions(node.config.always)) {
      const to = resolve(node, t.target);
      if (to) edges.push({ from: node, to, label: t.guard ?? 'always' });
    }
    if (node !== root) {
      for (const t of transitions(node.config.onDone)) {
        const to = resolve(node, t.target);
        if (to) edges.push({ from: node, to, label: '' });
      }
    }
    for (const child of [...node.children]) stateEdges(child);
  };
  stateEdges(root);

  // Mermaid draws a transition only between states of one composite: lift both ends.
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
  return lines.join('\n') + '\n';
}
