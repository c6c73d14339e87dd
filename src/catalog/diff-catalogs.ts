import { compareFields, compareParts, NOTHING, type PartSpec } from './diff-parts.js';
import type {
  CatalogDiff,
  DiffChange,
  DiffObjectKind,
  DiffOptions,
  ObjectDiff,
} from './diff-types.js';
import type {
  CatalogSnapshot,
  ConstraintInfo,
  IndexInfo,
  TableInfo,
  TypeInfo,
  ViewInfo,
} from './snapshot-types.js';

type Rec = Record<string, unknown>;

const COLUMN: PartSpec = {
  fields: ['type', 'nullable', 'default', 'identity', 'generated', 'position'],
};
const INDEX: PartSpec = { fields: ['unique', 'primary', 'predicate'], fallback: 'shape' };
const CONSTRAINT: PartSpec = {
  fields: [
    'type',
    'columns',
    'references',
    'on_delete',
    'on_update',
    'deferrable',
    'deferred',
    'validated',
  ],
  fallback: 'definition',
};
const TRIGGER: PartSpec = { fields: ['enabled'], fallback: 'definition' };
const POLICY: PartSpec = { fields: ['permissive', 'command', 'roles', 'using', 'with_check'] };
const GRANT: PartSpec = { fields: ['grantable'] };

const GENERATED_SUFFIX = /_(pkey|key|fkey|check|excl|idx|not_null)\d*$/;

/** True when `name` looks like a name PostgreSQL generated for an object of `table`. */
export function looksGenerated(name: string, table: string): boolean {
  // PostgreSQL truncates the table part of long generated names; a short prefix is enough.
  return GENERATED_SUFFIX.test(name) && name.startsWith(table.slice(0, Math.min(table.length, 20)));
}

const POSITION: ReadonlySet<string> = new Set(['position']);

function grantKey(g: { grantee: string; privilege: string }): string {
  return `${g.grantee} ${g.privilege}`;
}

function tableParts(
  a: TableInfo | ViewInfo,
  b: TableInfo | ViewInfo,
  o: DiffOptions,
): DiffChange[] {
  const gen = Boolean(o.ignoreGeneratedConstraintNames);
  const ixKey = (i: IndexInfo): string =>
    gen && looksGenerated(i.name, a.name) ? `~${i.shape}` : i.name;
  const out = [
    ...compareParts(
      'column',
      a.columns,
      b.columns,
      (c) => c.name,
      (c) => c.name,
      COLUMN,
      o.ignoreColumnOrder ? POSITION : NOTHING,
    ),
    ...compareParts('index', a.indexes, b.indexes, ixKey, (i) => i.name, INDEX),
    ...compareParts(
      'trigger',
      a.triggers,
      b.triggers,
      (t) => t.name,
      (t) => t.name,
      TRIGGER,
    ),
    ...compareParts('grant', a.grants, b.grants, grantKey, grantKey, GRANT),
  ];
  if ('constraints' in a && 'constraints' in b) {
    const kKey = (k: ConstraintInfo): string =>
      gen && looksGenerated(k.name, a.name) ? `~${k.type} ${k.definition}` : k.name;
    out.push(
      ...compareParts('constraint', a.constraints, b.constraints, kKey, (k) => k.name, CONSTRAINT),
    );
    out.push(
      ...compareParts(
        'policy',
        a.policies,
        b.policies,
        (p) => p.name,
        (p) => p.name,
        POLICY,
      ),
    );
  }
  return out;
}

/** Diffs two lists of top-level objects of one kind. */
function compareObjects<T>(
  kind: DiffObjectKind | ((x: T) => DiffObjectKind),
  left: T[],
  right: T[],
  key: (x: T) => string,
  details: (a: T, b: T) => DiffChange[],
): ObjectDiff[] {
  const kindOf = (x: T): DiffObjectKind => (typeof kind === 'function' ? kind(x) : kind);
  const r = new Map(right.map((x) => [key(x), x]));
  const l = new Map(left.map((x) => [key(x), x]));
  const out: ObjectDiff[] = [];
  for (const [k, x] of l) {
    const y = r.get(k);
    if (!y) out.push({ kind: kindOf(x), name: k, status: 'only-left', changes: [] });
    else {
      const changes = details(x, y);
      if (changes.length > 0) out.push({ kind: kindOf(x), name: k, status: 'changed', changes });
    }
  }
  for (const [k, y] of r)
    if (!l.has(k)) out.push({ kind: kindOf(y), name: k, status: 'only-right', changes: [] });
  return out;
}

/** An object's schema-qualified name, its key in the diff. */
function qualified(x: { schema: string; name: string }): string {
  return `${x.schema}.${x.name}`;
}

function props<T extends object>(fields: (keyof T & string)[]): (a: T, b: T) => DiffChange[] {
  const spec = { fields };
  return (a, b) => compareFields(a as Rec, b as Rec, spec, NOTHING);
}

/** Schemas, tables and views (tables and views without the ignored tables). */
function relationDiffs(a: CatalogSnapshot, b: CatalogSnapshot, options: DiffOptions): ObjectDiff[] {
  const ignored = new Set(options.ignoreTables ?? []);
  const kept = <T extends { schema: string; name: string }>(x: T): boolean =>
    !ignored.has(x.name) && !ignored.has(`${x.schema}.${x.name}`);
  return [
    ...compareObjects(
      'schema',
      a.schemas,
      b.schemas,
      (s) => s.name,
      (x, y) => [
        ...props<typeof x>(['owner'])(x, y),
        ...compareParts('grant', x.grants, y.grants, grantKey, grantKey, GRANT),
      ],
    ),
    ...compareObjects('table', a.tables.filter(kept), b.tables.filter(kept), qualified, (x, y) => [
      ...props<TableInfo>(['partitioned', 'partition', 'owner', 'rls_enabled', 'rls_forced'])(x, y),
      ...tableParts(x, y, options),
    ]),
    ...compareObjects(
      (v) => (v.materialized ? 'materialized view' : 'view'),
      a.views.filter(kept),
      b.views.filter(kept),
      qualified,
      (x, y) => [
        ...props<ViewInfo>(['materialized', 'owner', 'definition'])(x, y),
        ...tableParts(x, y, options),
      ],
    ),
  ];
}

/** Sequences, functions, roles, settings, extensions, enums and domains. */
function globalDiffs(a: CatalogSnapshot, b: CatalogSnapshot): ObjectDiff[] {
  return [
    ...compareObjects(
      'sequence',
      a.sequences,
      b.sequences,
      qualified,
      props(['type', 'start', 'increment', 'min', 'max', 'cache', 'cycle', 'owned_by']),
    ),
    ...compareObjects(
      'function',
      a.functions,
      b.functions,
      (f) => `${f.schema}.${f.signature}`,
      props(['result', 'kind', 'language', 'body_md5']),
    ),
    ...compareObjects(
      'role',
      a.roles,
      b.roles,
      (r) => r.name,
      props([
        'superuser',
        'inherit',
        'createrole',
        'createdb',
        'login',
        'replication',
        'bypassrls',
        'connection_limit',
      ]),
    ),
    ...compareObjects(
      'setting',
      a.settings,
      b.settings,
      (s) => (s.role ? `${s.role}:${s.name}` : s.name),
      props(['value']),
    ),
    ...compareObjects(
      'extension',
      a.extensions,
      b.extensions,
      (e) => e.name,
      props(['version', 'schema']),
    ),
    // A snapshot saved before types were recorded has none to compare.
    ...(a.types && b.types
      ? compareObjects(
          (t) => t.kind,
          a.types,
          b.types,
          qualified,
          props<TypeInfo>(['kind', 'labels', 'base', 'not_null', 'default', 'checks']),
        )
      : []),
  ];
}

/**
 * Structural diff of two catalog snapshots, grouped by object (a table with its columns, indexes,
 * constraints, triggers, policies and grants), naming exactly the field that differs. OIDs are
 * never compared (snapshots hold none). Equal catalogs give `equal: true` and no objects.
 */
export function diffCatalogs(
  a: CatalogSnapshot,
  b: CatalogSnapshot,
  options: DiffOptions = {},
): CatalogDiff {
  const objects: ObjectDiff[] = [...relationDiffs(a, b, options), ...globalDiffs(a, b)];
  const count = (s: string): number => objects.filter((o) => o.status === s).length;
  return {
    equal: objects.length === 0,
    left: options.labels?.left ?? a.database,
    right: options.labels?.right ?? b.database,
    objects,
    summary: {
      only_left: count('only-left'),
      only_right: count('only-right'),
      changed: count('changed'),
      differences: objects.reduce((n, o) => n + Math.max(1, o.changes.length), 0),
    },
  };
}
