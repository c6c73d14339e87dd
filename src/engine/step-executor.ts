import type { ActionContext, ActionDefinition } from '../actions/types.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import { resolveExpressions } from '../procedure/expressions.js';
import { conditionSkips } from '../procedure/step-condition.js';
import type { ActionStep, Procedure } from '../procedure/types.js';
import type { RunStore } from '../runs/run-store.js';
import { runView } from '../runs/run-view.js';
import { terminalSafe, truncateForTerminal } from '../text/terminal-text.js';
import { boundFailureStatement } from './bound-statement.js';
import { redactArguments, secretValues } from './redact-arguments.js';
import { formatDuration } from '../text/duration.js';
import type { Reporter } from './reporter.js';
import { StepError, type StepFailureRecord } from '../errors.js';
import { toFailureRecord } from './to-failure-record.js';

/** Appends durable events to a run's log (the engine's view of the event log). */
export interface Journal {
  append(
    type: string,
    step: string | null,
    data: JsonValue,
    options?: { durable?: boolean },
  ): Promise<unknown>;
}

/** An operator decision handed to the retried step(s) on resume. */
export type StepDecision = NonNullable<ActionContext['attempt']['decision']>;

/** Everything a step needs from the run it belongs to. */
export interface StepRunEnvironment {
  runId: string;
  procedure: Procedure;
  params: Record<string, JsonValue>;
  store: RunStore;
  connections: Connections;
  journal: Journal;
  reporter: Reporter;
  actions: ReadonlyMap<string, ActionDefinition>;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  confirmations: ReadonlySet<string>;
  allowChanged: boolean;
  /** Steps the operator's decision applies to (the failed ones at resume), and the decision. */
  decision?: { steps: ReadonlySet<string>; decision: StepDecision };
  /** Attempts per step so far (from the log), incremented here. */
  attempts: Record<string, number>;
  /** Shared per-process data between steps (e.g. provenance). */
  shared: Map<string, unknown>;
  /** Reads and writes a step's checkpointed progress. */
  progress: {
    read(step: string): JsonValue | undefined;
    write(step: string, data: JsonValue, options?: { durable?: boolean }): Promise<void>;
  };
  /** Makes a failure more useful (diagnosis of 42P01 etc.); may return it unchanged. */
  diagnose?: (failure: StepFailureRecord) => Promise<StepFailureRecord>;
  /** Current outputs of settled steps (from the machine's context). */
  outputs(): Record<string, JsonObject>;
  /** `[i/n]` label of a step for progress lines. */
  label(step: string): string;
}

/**
 * Test hook for the crash suites: `RUNBOOK_TEST_CRASH_AT=step.succeeded:<step>` kills the process
 * with SIGKILL right after that line is on disk and before the transition is checkpointed — the
 * narrowest window a real crash can hit. Unset in normal use.
 */
function crashHook(point: string): void {
  if (process.env.RUNBOOK_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}

/**
 * Runs one action step: resolves its expressions, validates its arguments, builds the
 * {@link ActionContext}, logs `step.started` / `step.succeeded` / `step.failed` (durably, before
 * and after the action), prints progress, and returns the output or throws the JSON failure record
 * (which the machine keeps in context).
 */
export async function executeStep(
  envr: StepRunEnvironment,
  step: ActionStep,
  signal: AbortSignal,
): Promise<JsonObject> {
  const action = envr.actions.get(step.do);
  const attempt = (envr.attempts[step.id] = (envr.attempts[step.id] ?? 0) + 1);
  const started = Date.now();
  const secrets = secretValues(envr.procedure, envr.params);
  const decision = envr.decision?.steps.has(step.id) ? envr.decision.decision : undefined;
  let resolved: JsonValue = step.with;
  try {
    if (!action) throw new StepError('UNKNOWN_ACTION', `no action named ${step.do}`);
    const scope = {
      params: envr.params,
      steps: Object.fromEntries(Object.entries(envr.outputs()).map(([k, v]) => [k, { output: v }])),
      run: { id: envr.runId, dir: envr.store.location(envr.runId) },
      env: envr.env,
    };
    resolved = resolveExpressions(step.with, scope);
    const skipReason = conditionSkips(step, scope);
    if (skipReason) {
      await envr.journal.append('step.started', step.id, {
        action: step.do,
        attempt,
        condition: skipReason,
      });
      await envr.journal.append('step.succeeded', step.id, {
        duration_ms: 0,
        summary: `not run: ${skipReason}`,
        output: {},
        condition_skipped: true,
      });
      envr.reporter.line(
        `${envr.label(step.id)} ${step.id}  ${envr.reporter.color('dim', `not run: ${skipReason}`)}`,
      );
      return {};
    }
    const parsed = action.params.safeParse(resolved);
    await envr.journal.append('step.started', step.id, {
      action: step.do,
      attempt,
      with: redactArguments(resolved, secrets),
      ...(decision ? { decision: decision as unknown as JsonObject } : {}),
    });
    envr.reporter.line(`${envr.label(step.id)} ${step.id}  ${envr.reporter.color('dim', step.do)}`);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(with)'}: ${i.message}`,
      );
      throw new StepError(
        'INVALID_ARGUMENTS',
        `invalid arguments for ${step.do}: ${problems.join('; ')}`,
      );
    }
    const ctx: ActionContext = {
      runId: envr.runId,
      stepId: step.id,
      cwd: envr.cwd,
      runDir: envr.store.location(envr.runId),
      db: envr.connections,
      writeArtifact: async (name, content, options) => {
        // Redacted like log lines: URL passwords and every secret param's value.
        const text = redactArguments(content, secrets) as string;
        await envr.store.writeArtifact(envr.runId, name, text, options);
        return envr.store.location(envr.runId, name);
      },
      ...runView(envr.store, envr.runId),
      log: async (type, data, options) => {
        await envr.journal.append(type, step.id, redactArguments(data ?? null, secrets), options);
      },
      progress: (line, options) =>
        options?.transient
          ? envr.reporter.status?.(`    ${terminalSafe(line)}`)
          : envr.reporter.line(`    ${terminalSafe(line)}`),
      liveProgress: Boolean(envr.reporter.live && envr.reporter.status),
      checkpoint: {
        read: () => envr.progress.read(step.id),
        write: (data, options) => envr.progress.write(step.id, data, options),
      },
      shared: envr.shared,
      attempt: {
        number: attempt,
        ...(decision ? { decision } : {}),
        allowChanged: envr.allowChanged,
      },
      confirmations: envr.confirmations,
      env: envr.env,
      signal,
    };
    const result = await action.run(ctx, parsed.data);
    const ms = Date.now() - started;
    // Outputs land in the machine's context (snapshot.json): never a secret param's value.
    const output = redactArguments(result.output ?? {}, secrets) as JsonObject;
    const summary =
      result.summary === undefined
        ? undefined
        : (redactArguments(result.summary, secrets) as string);
    // Fsynced by the next barrier (the next step's start, or the run's end): a step whose outcome
    // a power loss erased runs again, which every action must allow.
    await envr.journal.append(
      'step.succeeded',
      step.id,
      { duration_ms: ms, summary: summary ?? null, output },
      { durable: false },
    );
    crashHook(`step.succeeded:${step.id}`);
    envr.reporter.line(
      `${' '.repeat(envr.label(step.id).length)} ${envr.reporter.color('ok', '✓')} ${step.id}` +
        `${summary ? `  ${summary}` : ''}  ${envr.reporter.color('dim', formatDuration(ms))}`,
    );
    return output;
  } catch (error) {
    let failure = toFailureRecord(step.id, error);
    if (envr.diagnose) failure = await envr.diagnose(failure).catch(() => failure);
    // A failure (message, statement, output tails) may quote a secret param: it is printed, logged
    // and kept in the checkpoint, so it is redacted like the arguments.
    failure = redactArguments(
      failure as unknown as JsonObject,
      secrets,
    ) as unknown as StepFailureRecord;
    // A long statement is kept once, as an artifact; the log, checkpoint and run.json get an excerpt.
    failure = await boundFailureStatement(failure, (name, text) =>
      envr.store.writeArtifact(envr.runId, name, text),
    );
    const ms = Date.now() - started;
    await envr.journal.append('step.failed', step.id, {
      duration_ms: ms,
      failure: failure as unknown as JsonObject,
    });
    envr.reporter.line(
      `${' '.repeat(envr.label(step.id).length)} ${envr.reporter.color('fail', '✗')} ${step.id}  ` +
        terminalSafe(
          `${failure.code} ${truncateForTerminal(failure.message, `runbook inspect ${envr.runId}`)}` +
            `${failure.migration ? ` (migration ${failure.migration})` : ''}`,
        ),
    );
    if (failure.diagnosis)
      envr.reporter.line(`      diagnosis: ${terminalSafe(failure.diagnosis)}`);
    throw failure;
  }
}
