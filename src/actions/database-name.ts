import * as z from 'zod';

const quoted = (input: unknown): string => JSON.stringify(input);

/**
 * A database name runbook connects to: what PostgreSQL stores (1..63 bytes, no NUL; a longer
 * name would be silently truncated) and no `?` or `#`. Connections are made by URL, and
 * node-postgres cannot read either character back from a URL path (it percent-decodes the path
 * with `decodeURI`, which leaves `%3F`/`%23` encoded, and splits on them unencoded), so such a
 * name is refused before anything runs rather than created and then unreachable. Every other
 * character is quoted end to end. Messages quote the name (it may come from a param).
 */
export const connectableDatabaseName = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 63, {
    error: (iss) =>
      `database name ${quoted(iss.input)} is longer than 63 bytes (PostgreSQL would silently truncate it)`,
  })
  .refine((s) => !s.includes('\0'), { message: 'a database name cannot contain NUL' })
  .refine((s) => !/[?#]/.test(s), {
    error: (iss) =>
      `database name ${quoted(iss.input)} contains '?' or '#', which cannot be put in the connection URL runbook uses`,
  });
