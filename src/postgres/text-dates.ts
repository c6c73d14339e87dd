import pg from 'pg';

// date, time, timestamp, timestamptz, timetz.
const TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);

/**
 * Type parsers for a query whose dates and times must come back as their text (a JS Date would
 * shift them into the local time zone); every other type parses as node-postgres does by default.
 */
export const datesAsText = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TEXT_TYPES.has(oid)
      ? (v: string) => v
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};
