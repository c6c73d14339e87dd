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

function countLines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n += 1;
  return n;
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
 * Parses a migration's SQL with libpg-query (PostgreSQL's parser compiled to WASM) and lists the
 * relations it creates, drops, alters, renames and truncates, plus every destructive statement
 * (DROP TABLE / DROP MATERIALIZED VIEW / DROP SCHEMA / TRUNCATE / DROP COLUMN) with its text
 * and line. A syntax error rejects with the parser's message.
 */
export async function analyzeMigrationSql(source: string): Promise<MigrationSqlAnalysis> {
  // Loaded on first use: its WebAssembly start-up is paid only by runs that parse SQL.
  const { parse } = await import('libpg-query');
  const tree = (await parse(source)) as {
    stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[];
  };
  const bytes = Buffer.from(source, 'utf8');
  const out = emptyAnalysis();
  for (const entry of tree.stmts ?? []) {
    // Locations are byte offsets into the UTF-8 text.
    const start = entry.stmt_location ?? 0;
    const end = entry.stmt_len ? start + entry.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString('utf8');
    const text = raw.trim();
    const before = bytes.subarray(0, start).toString('utf8');
    const lead = raw.slice(0, raw.length - raw.trimStart().length);
    const at = countLines(before) + countLines(lead) + 1;
    visit(entry.stmt, out, (kind, target) =>
      out.destructive.push({ kind, target, statement: text, line: at }),
    );
  }
  return out;
}

function visit(
  stmt: Node,
  out: MigrationSqlAnalysis,
  destructive: (kind: DestructiveStatement['kind'], target: string) => void,
): void {
  const [type, body] = Object.entries(stmt)[0] ?? [];
  const b = (body ?? {}) as Node;
  switch (type) {
    case 'CreateStmt':
    case 'CreateForeignTableStmt': {
      const base = (type === 'CreateForeignTableStmt' ? (b.base as Node) : b) ?? {};
      const r = rangeVar(base.relation, 'table');
      if (r) out.creates.push(r);
      break;
    }
    case 'ViewStmt': {
      const r = rangeVar(b.view, 'view');
      if (r) out.creates.push(r);
      break;
    }
    case 'CreateTableAsStmt': {
      const kind = b.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
      const r = rangeVar((b.into as Node | undefined)?.rel, kind);
      if (r) out.creates.push(r);
      break;
    }
    case 'CreateSeqStmt': {
      const r = rangeVar(b.sequence, 'sequence');
      if (r) out.creates.push(r);
      break;
    }
    case 'IndexStmt': {
      const table = rangeVar(b.relation, 'table');
      if (typeof b.idxname === 'string')
        out.creates.push({ schema: table?.schema ?? null, name: b.idxname, kind: 'index' });
      break;
    }
    case 'DropStmt': {
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
        break;
      }
      const kind = OBJECT_KINDS[removeType];
      if (!kind) break;
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
      break;
    }
    case 'TruncateStmt': {
      for (const rel of (b.relations as Node[]) ?? []) {
        const r = rangeVar(rel.RangeVar, 'table');
        if (r) {
          out.truncates.push(r);
          destructive('TRUNCATE', qualifiedName(r));
        }
      }
      break;
    }
    case 'AlterTableStmt': {
      const r = rangeVar(b.relation, OBJECT_KINDS[String(b.objtype)] ?? 'table');
      if (!r) break;
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
      break;
    }
    case 'RenameStmt': {
      const renameType = String(b.renameType);
      if (renameType === 'OBJECT_COLUMN') {
        const r = rangeVar(b.relation, OBJECT_KINDS[String(b.relationType)] ?? 'table');
        if (r && typeof b.subname === 'string' && typeof b.newname === 'string') {
          out.alters.push(r);
          out.columns.renamed.push({ relation: r, from: b.subname, to: b.newname });
        }
        break;
      }
      const kind = OBJECT_KINDS[renameType];
      const r = kind ? rangeVar(b.relation, kind) : undefined;
      if (r && typeof b.newname === 'string')
        out.renames.push({ from: r, to: { ...r, name: b.newname } });
      break;
    }
    case 'AlterObjectSchemaStmt': {
      const kind = OBJECT_KINDS[String(b.objectType)];
      const r = kind ? rangeVar(b.relation, kind) : undefined;
      if (r && typeof b.newschema === 'string')
        out.renames.push({ from: r, to: { ...r, schema: b.newschema } });
      break;
    }
    case 'DoStmt':
      out.opaqueStatements += 1;
      break;
    default:
      break;
  }
}
