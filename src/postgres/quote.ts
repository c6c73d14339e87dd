/**
 * The one place identifiers and literals are quoted. Every user-supplied name (database, role,
 * schema, setting) reaches SQL only through these.
 */

/** Quotes an identifier (`my"db` → `"my""db"`). Rejects NUL, which PostgreSQL cannot store. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('identifier must not be empty');
  if (name.includes('\0')) throw new Error('identifier must not contain NUL');
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a possibly schema-qualified name given as parts (`['app','current_tenant_id']`). */
export function quoteQualified(parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** Quotes a string literal with standard_conforming_strings semantics (`it's` → `'it''s'`). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('literal must not contain NUL');
  return `'${value.replaceAll("'", "''")}'`;
}
