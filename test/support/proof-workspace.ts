import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  createCliWorkspace,
  type CliOptions,
  type CliProcess,
  type CliResult,
  type CliWorkspace,
} from './cli.js';
import { adminQuery, adminUrl, uniqueName } from './database.js';
import { quoteIdent, quoteLiteral } from '../../src/postgres/quote.js';

/**
 * The recognisable password every proof suite puts in its URLs: any occurrence of it in output or
 * on disk is a leak.
 */
export const PROOF_PASSWORD = 'RbProofS3cret!';

/** The forms the password could leak in (raw, percent-encoded as in a URL). */
const LEAK_FORMS = [PROOF_PASSWORD, encodeURIComponent(PROOF_PASSWORD), 'RbProofS3cret'];

/** A CLI workspace that keeps everything its processes printed, for the secret scan. */
export interface ProofWorkspace extends CliWorkspace {
  /** stdout and stderr of every process started so far (including killed ones). */
  printed(): string[];
}

/** {@link createCliWorkspace}, recording every process's output. */
export async function createProofWorkspace(prefix: string): Promise<ProofWorkspace> {
  const ws = await createCliWorkspace(prefix);
  const started: CliProcess[] = [];
  const start = (args: string[], options?: CliOptions): CliProcess => {
    const p = ws.start(args, options);
    started.push(p);
    return p;
  };
  return {
    ...ws,
    start,
    cli: (args: string[], options?: CliOptions): Promise<CliResult> => start(args, options).done,
    printed: () => started.flatMap((p) => [p.stdout(), p.stderr()]),
  };
}

/**
 * Where the proof password occurs: in anything a workspace's processes printed, or in any file
 * under its directory (runs/, artifacts, torn log fragments, lock files). Empty when clean.
 */
export function findSecretLeaks(ws: ProofWorkspace): string[] {
  const leaks: string[] = [];
  ws.printed().forEach((text, i) => {
    const where = leakContext(text);
    if (where) leaks.push(`output #${i} (${i % 2 ? 'stderr' : 'stdout'}): ${where}`);
  });
  for (const rel of ws.files()) {
    if (rel.startsWith(`procedures${path.sep}`)) continue;
    const where = leakContext(readFileSync(path.join(ws.dir, rel), 'latin1'));
    if (where) leaks.push(`${rel}: ${where}`);
  }
  return leaks;
}

/** The text around the first occurrence of the password (itself masked), or undefined. */
export function leakContext(text: string): string | undefined {
  for (const form of LEAK_FORMS) {
    const at = text.indexOf(form);
    if (at >= 0) {
      const around = text.slice(Math.max(0, at - 60), at + form.length + 20);
      return JSON.stringify(around.split(form).join('<PASSWORD>'));
    }
  }
  return undefined;
}

/** A login role with the proof password, and the server URL that signs in as it. */
export interface PasswordRole {
  name: string;
  /** The maintenance-database URL with user and password (what `--database-url` takes). */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a superuser role whose password is {@link PROOF_PASSWORD} (superuser: the procedures
 * create and drop databases and terminate connections).
 */
export async function createPasswordRole(prefix: string): Promise<PasswordRole> {
  const name = uniqueName(prefix);
  await adminQuery(
    `CREATE ROLE ${quoteIdent(name)} LOGIN SUPERUSER PASSWORD ${quoteLiteral(PROOF_PASSWORD)}`,
  );
  const url = new URL(adminUrl());
  url.username = name;
  url.password = PROOF_PASSWORD;
  // Check it signs in (the test server may demand passwords or trust everyone: both are fine).
  const client = new pg.Client(url.toString());
  await client.connect();
  await client.end();
  return {
    name,
    url: url.toString(),
    async drop() {
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
      await adminQuery(`DROP OWNED BY ${quoteIdent(name)}`).catch(() => undefined);
      await adminQuery(`DROP ROLE IF EXISTS ${quoteIdent(name)}`);
    },
  };
}
