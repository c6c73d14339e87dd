/**
 * PostgreSQL's own `quote_identifier()` (ruleutils.c), reproduced so definitions can be rebuilt
 * from catalog columns byte for byte: a name stays bare when it starts with a lowercase ASCII
 * letter or `_`, continues with lowercase letters, digits or `_`, is not a keyword other than an
 * unreserved one, and `quote_all_identifiers` is off; otherwise it is double-quoted with `"`
 * doubled.
 */

/** Quotes one identifier the way the server it was built for would. */
export type QuoteIdentifier = (name: string) => string;

const BARE = /^[a-z_][a-z0-9_]*$/;

/**
 * A quoter for one server: `keywords` are its keywords that are not unreserved
 * (`pg_get_keywords()` rows whose `catcode` is not `U`), `quoteAll` its `quote_all_identifiers`.
 */
export function identifierQuoter(keywords: Iterable<string>, quoteAll: boolean): QuoteIdentifier {
  const reserved = new Set(keywords);
  return (name) =>
    !quoteAll && BARE.test(name) && !reserved.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
