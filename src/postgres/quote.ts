/**
 * The one place identifiers and literals are quoted. Every user-supplied name (database, role,
 * schema, setting) reaches SQL only through these: {@link quoteIdent} always quotes; an
 * {@link identifierQuoter} quotes only where the server's own `quote_identifier()` would, to
 * rebuild definitions from catalog columns byte for byte.
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

/** Quotes one identifier the way the server it was built for would (see {@link identifierQuoter}). */
export type QuoteIdentifier = (name: string) => string;

const BARE = /^[a-z_][a-z0-9_]*$/;

/**
 * PostgreSQL's own `quote_identifier()` (ruleutils.c) for one server: a name stays bare when it
 * starts with a lowercase ASCII letter or `_`, continues with lowercase letters, digits or `_`,
 * is not one of `keywords` (the server's keywords that are not unreserved: `pg_get_keywords()`
 * rows whose `catcode` is not `U`) and `quoteAll` (its `quote_all_identifiers`) is off; otherwise
 * it is double-quoted with `"` doubled.
 */
export function identifierQuoter(keywords: Iterable<string>, quoteAll: boolean): QuoteIdentifier {
  const reserved = new Set(keywords);
  return (name) =>
    !quoteAll && BARE.test(name) && !reserved.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
