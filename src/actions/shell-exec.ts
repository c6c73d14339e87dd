import { lazyBuiltin } from '../lazy-builtin.js';
import type * as ChildProcess from 'node:child_process';
import path from 'node:path';
import * as z from 'zod';
import { StepError } from '../errors.js';
import { secretScrubber } from '../postgres/redact.js';
import { urlPassword } from '../postgres/url.js';
import { defineAction, type ActionContext } from './types.js';

/** Loaded on first use: a run that never reaches it does not load it. */
const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');

const params = z
  .strictObject({
    command: z.string().min(1).describe('Shell command, run with `sh -c`'),
    database: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Database whose full URL the command gets as DATABASE_URL (only in the child's env)",
      ),
    env: z.record(z.string(), z.string()).optional().describe('Extra environment variables'),
    cwd: z.string().min(1).optional().describe('Working directory, relative to the run’s'),
    timeout_seconds: z.number().positive().optional().describe('Kill the command after this long'),
  })
  .describe('shell.exec arguments');

/** Output kept per stream (the tail: errors come last). */
const MAX_CAPTURE = 64 * 1024;
/** At most how much of a cut output's first line is dropped to start at a whole line. */
const CUT_LINE = 4096;
/** Tail carried in a failure record (it lands in the machine's context). */
const MAX_TAIL = 2048;
const KILL_GRACE_MS = 5000;

/** Keeps the last {@link MAX_CAPTURE} bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.total += chunk.length;
    if (this.size > 2 * MAX_CAPTURE) {
      const all = Buffer.concat(this.chunks);
      this.chunks = [all.subarray(all.length - MAX_CAPTURE)];
      this.size = MAX_CAPTURE;
    }
  }
  /**
   * The last {@link MAX_CAPTURE} bytes; when output was cut, from the first line that starts
   * inside them (at most {@link CUT_LINE} bytes dropped): the cut may fall inside a secret, and
   * the part after it could not be recognised to be masked.
   */
  text(): string {
    const all = Buffer.concat(this.chunks);
    let kept = all.subarray(Math.max(0, all.length - MAX_CAPTURE));
    if (this.total > kept.length) {
      const newline = kept.subarray(0, CUT_LINE).indexOf(0x0a);
      kept = kept.subarray(newline >= 0 ? newline + 1 : CUT_LINE);
    }
    return kept.toString('utf8');
  }
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  error?: Error;
}

type Params = z.infer<typeof params>;

/** The child's environment: the run's, then the step's `env:`, then the checked target's. */
function childEnvironment(
  ctx: ActionContext,
  p: Params,
  url: string,
  targetEnvironment: typeof import('../postgres/libpq-env.js').targetEnvironment,
): NodeJS.ProcessEnv {
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) inherited[k] = v;
  Object.assign(inherited, p.env ?? {});
  // The checked target overrides whatever the environment or the step says, so that psql,
  // pg_dump or a bare libpq client in the command cannot reach another server.
  return targetEnvironment(inherited, url);
}

/** Runs `sh -c command` to its end, its timeout or the run's abort, capturing both streams. */
function runShell(
  command: string,
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutSeconds: number | undefined;
    signal: AbortSignal;
    stdout: Tail;
    stderr: Tail;
  },
): Promise<Outcome> {
  const { cwd, env, signal, stdout, stderr } = options;
  return new Promise<Outcome>((resolve) => {
    // Own process group, so a timeout or abort also ends what the command started.
    const child = childProcess().spawn('sh', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer =
      options.timeoutSeconds !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutSeconds * 1000)
        : undefined;
    signal.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, error });
    });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      resolve({ code, signal: sig, timedOut });
    });
  });
}

/** Throws the step's failure for an outcome other than exit code 0 (`err` is scrubbed stderr). */
function throwUnlessSucceeded(
  outcome: Outcome,
  p: Params,
  err: string,
  data: { exit_code: number; stdout_tail: string; stderr_tail: string },
  scrub: (s: string) => string,
): void {
  const exitCode = outcome.code ?? -1;
  if (outcome.error) {
    throw new StepError('SHELL_FAILED', `could not start sh: ${scrub(outcome.error.message)}`, {
      data,
    });
  }
  if (outcome.timedOut) {
    throw new StepError('SHELL_TIMEOUT', `command timed out after ${p.timeout_seconds}s`, {
      data,
    });
  }
  if (exitCode !== 0) {
    const last = err.trim().split('\n').pop() ?? '';
    throw new StepError(
      'SHELL_FAILED',
      outcome.signal
        ? `command was killed by ${outcome.signal}`
        : `command exited with code ${exitCode}${last ? `: ${last}` : ''}`,
      { data },
    );
  }
}

/**
 * `shell.exec`: runs `sh -c <command>` (for ORM bootstrap commands and the like), with
 * DATABASE_URL set to the full URL of `database` (default: the run's database) and PGHOST, PGPORT,
 * PGDATABASE, PGUSER (PGPASSWORD when the URL has one) set to the same checked target, replacing
 * inherited values and the step's `env:` (PGHOSTADDR, PGSERVICE, PGSERVICEFILE are removed). Exit
 * code, stdout and stderr (their last 64 KiB) go to the log as `shell.output`, with every occurrence of the server's password
 * scrubbed. A non-zero exit fails the step with SHELL_FAILED (SHELL_TIMEOUT after
 * `timeout_seconds`). The command itself must be safe to re-run: a restored step runs it again.
 * Output `{ exit_code }`.
 */
export const shellExec = defineAction({
  name: 'shell.exec',
  summary: 'Run a shell command, capturing its exit code and output into the log',
  params,
  writes: true,
  async run(ctx, p) {
    // Loaded on use: it resolves the target with node-postgres, which `list` never needs.
    const { targetEnvironment, urlSignInPassword } = await import('../postgres/libpq-env.js');
    const url = ctx.db.urlFor(p.database);
    const env = childEnvironment(ctx, p, url, targetEnvironment);
    // The run's secrets masked before any tail is cut from the output (see ActionContext.redact).
    const scrubUrls = secretScrubber([
      urlPassword(ctx.db.urlFor()),
      urlPassword(url),
      urlSignInPassword(url),
    ]);
    const scrub = (text: string): string => ctx.redact(scrubUrls(text));
    const cwd = path.resolve(ctx.cwd, p.cwd ?? '.');
    const stdout = new Tail();
    const stderr = new Tail();
    const started = Date.now();

    const outcome = await runShell(p.command, {
      cwd,
      env,
      timeoutSeconds: p.timeout_seconds,
      signal: ctx.signal,
      stdout,
      stderr,
    });

    const out = scrub(stdout.text());
    const err = scrub(stderr.text());
    const exitCode = outcome.code ?? -1;
    await ctx.log('shell.output', {
      command: scrub(p.command),
      cwd,
      exit_code: exitCode,
      signal: outcome.signal,
      duration_ms: Date.now() - started,
      stdout: out,
      stderr: err,
      stdout_bytes: stdout.total,
      stderr_bytes: stderr.total,
      truncated: stdout.total > MAX_CAPTURE || stderr.total > MAX_CAPTURE,
      env_keys: Object.keys(p.env ?? {}).concat(p.database !== undefined ? ['DATABASE_URL'] : []),
    });
    const data = {
      exit_code: exitCode,
      stdout_tail: out.slice(-MAX_TAIL),
      stderr_tail: err.slice(-MAX_TAIL),
    };
    throwUnlessSucceeded(outcome, p, err, data, scrub);
    return {
      output: { exit_code: 0 },
      summary: `command succeeded in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    };
  },
});
