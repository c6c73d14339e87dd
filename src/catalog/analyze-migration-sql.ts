import { lineAt, splitScript } from '../postgres/sql-script.js';

/** The kind of a relation a statement names. */
export type RelationKind = 'table' | 'view' | 'materialized view' | 'index' | 'sequence';

/** A relation named in SQL; `schema` is null when unqualified (resolved by search_path). */
export interface RelationRef {
  schema: string | null;
  name: string;
  kind: RelationKind;
}

/** A statement that destroys data: what the prod-stamp procedure must never issue. */
export interface DestructiveStatement {
  kind: 'DROP TABLE' | 'DROP MATERIALIZED VIEW' | 'DROP SCHEMA' | 'TRUNCATE' | 'DROP COLUMN';
  /** `schema.table`, `table`, `schema` or `table.column`. */
  target: string;
  /** The statement's text. */
  statement: string;
  /** 1-based line where it starts. */
  line: number;
}

/** What a migration's SQL does to relations, from PostgreSQL's own parser (never regexes). */
export interface MigrationSqlAnalysis {
  creates: RelationRef[];
  drops: RelationRef[];
  /** Targets of `ALTER TABLE/VIEW/INDEX/SEQUENCE` (and column renames). */
  alters: RelationRef[];
  renames: { from: RelationRef; to: RelationRef }[];
  truncates: RelationRef[];
  droppedSchemas: string[];
  columns: {
    added: { relation: RelationRef; column: string }[];
    dropped: { relation: RelationRef; column: string }[];
    renamed: { relation: RelationRef; from: string; to: string }[];
  };
  destructive: DestructiveStatement[];
  /** `DO` blocks and other dynamic SQL whose effect static analysis cannot see. */
  opaqueStatements: number;
}

type Node = Record<string, unknown>;

const OBJECT_KINDS: Record<string, RelationKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
};

function str(n: unknown): string | undefined {
  const s = (n as { String?: { sval?: string } } | undefined)?.String?.sval;
  return typeof s === 'string' ? s : undefined;
}

function rangeVar(rv: unknown, kind: RelationKind): RelationRef | undefined {
  const r = rv as { schemaname?: string; relname?: string } | undefined;
  return r?.relname ? { schema: r.schemaname ?? null, name: r.relname, kind } : undefined;
}

/** `List { items: [String…] }` → qualified name parts. */
function nameList(n: unknown): string[] {
  const items = (n as { List?: { items?: unknown[] } }).List?.items ?? [];
  return items.map(str).filter((s): s is string => s !== undefined);
}

/** `schema.name` or `name`. */
export function qualifiedName(r: { schema: string | null; name: string }): string {
  return r.schema ? `${r.schema}.${r.name}` : r.name;
}

function emptyAnalysis(): MigrationSqlAnalysis {
  return {
    creates: [],
    drops: [],
    alters: [],
    renames: [],
    truncates: [],
    droppedSchemas: [],
    columns: { added: [], dropped: [], renamed: [] },
    destructive: [],
    opaqueStatements: 0,
  };
}

/**
 * Parses a migration's SQL with PostgreSQL's parser (the shared splitter, `splitScript`) and lists
 * the relations it creates, drops, alters, renames and truncates, plus every destructive
 * statement (DROP TABLE / DROP MATERIALIZED VIEW / DROP SCHEMA / TRUNCATE / DROP COLUMN) with its
 * text and line (the line of its first token, past any comment before it). A syntax error
 * rejects with the parser's error.
 */
export async function analyzeMigrationSql(source: string): Promise<MigrationSqlAnalysis> {
  const script = await splitScript(source);
  if (script.statements === null) throw script.parseError;
  const out = emptyAnalysis();
  for (const s of script.statements) {
    const text = s.text.trim();
    const at = lineAt(source, s.offset + s.text.length - s.text.trimStart().length);
    visit(s.tree, out, (kind, target) =>
      out.destructive.push({ kind, target, statement: text, line: at }),
    );
  }
  return out;
}

/** Records a destructive statement's kind and target. */
type Destructive = (kind: DestructiveStatement['kind'], target: string) => void;

/** The relation a CREATE statement of type `type` creates, if it is one. */
function created(type: string, b: Node): RelationRef | undefined {
  switch (type) {
    case 'CreateStmt':
      return rangeVar(b.relation, 'table');
    case 'CreateForeignTableStmt':
      return rangeVar(((b.base as Node | undefined) ?? {}).relation, 'table');
    case 'ViewStmt':
      return rangeVar(b.view, 'view');
    case 'CreateTableAsStmt':
      return rangeVar(
        (b.into as Node | undefined)?.rel,
        b.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table',
      );
    case 'CreateSeqStmt':
      return rangeVar(b.sequence, 'sequence');
    case 'IndexStmt': {
      const table = rangeVar(b.relation, 'table');
      return typeof b.idxname === 'string'
        ? { schema: table?.schema ?? null, name: b.idxname, kind: 'index' }
        : undefined;
    }
    default:
      return undefined;
  }
}

function visitDrop(b: Node, out: MigrationSqlAnalysis, destructive: Destructive): void {
  const removeType = String(b.removeType);
  const objects = (b.objects as unknown[]) ?? [];
  if (removeType === 'OBJECT_SCHEMA') {
    for (const o of objects) {
      const name = str(o);
      if (name) {
        out.droppedSchemas.push(name);
        destructive('DROP SCHEMA', name);
      }
    }
    return;
  }
  const kind = OBJECT_KINDS[removeType];
  if (!kind) return;
  for (const o of objects) {
    const parts = nameList(o);
    const name = parts[parts.length - 1];
    if (!name) continue;
    const ref: RelationRef = {
      schema: parts.length > 1 ? (parts[parts.length - 2] ?? null) : null,
      name,
      kind,
    };
    out.drops.push(ref);
    if (kind === 'table') destructive('DROP TABLE', qualifiedName(ref));
    if (kind === 'materialized view') destructive('DROP MATERIALIZED VIEW', qualifiedName(ref));
  }
}

function visitAlterTable(b: Node, out: MigrationSqlAnalysis, destructive: Destructive): void {
  const r = rangeVar(b.relation, OBJECT_KINDS[String(b.objtype)] ?? 'table');
  if (!r) return;
  out.alters.push(r);
  for (const c of (b.cmds as Node[]) ?? []) {
    const cmd = (c.AlterTableCmd ?? {}) as Node;
    if (cmd.subtype === 'AT_AddColumn') {
      const col = ((cmd.def as Node | undefined)?.ColumnDef as Node | undefined)?.colname;
      if (typeof col === 'string') out.columns.added.push({ relation: r, column: col });
    } else if (cmd.subtype === 'AT_DropColumn' && typeof cmd.name === 'string') {
      out.columns.dropped.push({ relation: r, column: cmd.name });
      destructive('DROP COLUMN', `${qualifiedName(r)}.${cmd.name}`);
    }
  }
}

function visitRename(b: Node, out: MigrationSqlAnalysis): void {
  const renameType = String(b.renameType);
  if (renameType === 'OBJECT_COLUMN') {
    const r = rangeVar(b.relation, OBJECT_KINDS[String(b.relationType)] ?? 'table');
    if (r && typeof b.subname === 'string' && typeof b.newname === 'string') {
      out.alters.push(r);
      out.columns.renamed.push({ relation: r, from: b.subname, to: b.newname });
    }
    return;
  }
  const kind = OBJECT_KINDS[renameType];
  const r = kind ? rangeVar(b.relation, kind) : undefined;
  if (r && typeof b.newname === 'string')
    out.renames.push({ from: r, to: { ...r, name: b.newname } });
}

/** Adds what one statement (its parse tree) does to `out`. */
function visit(stmt: Node, out: MigrationSqlAnalysis, destructive: Destructive): void {
  const [type = '', body] = Object.entries(stmt)[0] ?? [];
  const b = (body ?? {}) as Node;
  const creates = created(type, b);
  if (creates) out.creates.push(creates);
  switch (type) {
    case 'DropStmt':
      return visitDrop(b, out, destructive);
    case 'TruncateStmt':
      for (const rel of (b.relations as Node[]) ?? []) {
        const r = rangeVar(rel.RangeVar, 'table');
        if (r) {
          out.truncates.push(r);
          destructive('TRUNCATE', qualifiedName(r));
        }
      }
      return;
    case 'AlterTableStmt':
      return visitAlterTable(b, out, destructive);
    case 'RenameStmt':
      return visitRename(b, out);
    case 'AlterObjectSchemaStmt': {
      const kind = OBJECT_KINDS[String(b.objectType)];
      const r = kind ? rangeVar(b.relation, kind) : undefined;
      if (r && typeof b.newschema === 'string')
        out.renames.push({ from: r, to: { ...r, schema: b.newschema } });
      return;
    }
    case 'DoStmt':
      out.opaqueStatements += 1;
      return;
  }
}
