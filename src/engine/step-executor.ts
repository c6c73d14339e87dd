import type { ActionContext, ActionRegistry, ActionResult } from '../actions/types.js';
import type { JsonObject, JsonValue } from '../json.js';
import type { Connections } from '../postgres/connections.js';
import { resolveExpressions } from '../procedure/expressions.js';
import { conditionSkips } from '../procedure/step-condition.js';
import type { ActionStep, Procedure } from '../procedure/types.js';
import type { RunStore } from '../runs/run-store.js';
import { runView } from '../runs/run-view.js';
import { terminalSafe, truncateForTerminal } from '../text/terminal-text.js';
import { boundFailureStatement } from './bound-statement.js';
import { redactJson } from '../postgres/redact.js';
import {
  ambientSecretValues,
  secretEnvValues,
  secretValues,
  withLines,
} from '../procedure/redact-params.js';
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
  actions: ActionRegistry;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  confirmations: ReadonlySet<string>;
  /** Where a `confirm` gate's variable is read (see {@link ActionContext}); default `env`. */
  gateEnv?: Readonly<Record<string, string | undefined>>;
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
  environment: StepRunEnvironment,
  step: ActionStep,
  signal: AbortSignal,
): Promise<JsonObject> {
  const action = environment.actions.get(step.do);
  const attempt = (environment.attempts[step.id] = (environment.attempts[step.id] ?? 0) + 1);
  const started = Date.now();
  const secrets = secretValues(environment.procedure, environment.params, environment.env);
  const decision = environment.decision?.steps.has(step.id)
    ? environment.decision.decision
    : undefined;
  const call: StepCall = { environment, step, attempt, secrets, started };
  try {
    if (!action) throw new StepError('UNKNOWN_ACTION', `no action named ${step.do}`);
    const scope = stepScope(environment);
    const resolved = resolveExpressions(step.with, scope);
    // A command's environment given in the step (`env: { API_TOKEN: … }`): secret-named values
    // are masked in all the step records, as the command may print them.
    const stepEnv = (resolved as { env?: unknown }).env;
    if (stepEnv !== null && typeof stepEnv === 'object' && !Array.isArray(stepEnv))
      secrets.push(...secretEnvValues(stepEnv as Record<string, unknown>));
    const skipReason = conditionSkips(step, scope);
    if (skipReason) return await skipByCondition(call, skipReason);
    const parsed = action.params.safeParse(resolved);
    await environment.journal.append('step.started', step.id, {
      action: step.do,
      attempt,
      with: redactJson(resolved, secrets),
      ...(decision ? { decision: decision as unknown as JsonObject } : {}),
    });
    environment.reporter.line(
      `${environment.label(step.id)} ${step.id}  ${environment.reporter.color('dim', step.do)}`,
    );
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(with)'}: ${i.message}`,
      );
      throw new StepError(
        'INVALID_ARGUMENTS',
        `invalid arguments for ${step.do}: ${problems.join('; ')}`,
      );
    }
    const result = await action.run(actionContext(call, decision, signal), parsed.data);
    return await recordSuccess(call, result);
  } catch (error) {
    throw await recordFailure(call, error);
  }
}

/** One attempt of one step, as the helpers of {@link executeStep} need it. */
interface StepCall {
  environment: StepRunEnvironment;
  step: ActionStep;
  attempt: number;
  /** The run's secret param values (redacted from everything logged, printed or kept). */
  secrets: readonly string[];
  /** `Date.now()` when the attempt began. */
  started: number;
}

/** What a step's `${{ }}` expressions and conditions may name. */
function stepScope(environment: StepRunEnvironment) {
  const outputs = Object.entries(environment.outputs());
  return {
    params: environment.params,
    steps: Object.fromEntries(outputs.map(([k, v]) => [k, { output: v }])),
    run: { id: environment.runId, dir: environment.store.location(environment.runId) },
    env: environment.env,
  };
}

/** A step whose `when:` / `unless:` says not to run: logged as started and succeeded, output `{}`. */
async function skipByCondition(call: StepCall, skipReason: string): Promise<JsonObject> {
  const { environment, step } = call;
  await environment.journal.append('step.started', step.id, {
    action: step.do,
    attempt: call.attempt,
    condition: skipReason,
  });
  await environment.journal.append('step.succeeded', step.id, {
    duration_ms: 0,
    summary: `not run: ${skipReason}`,
    output: {},
    condition_skipped: true,
  });
  environment.reporter.line(
    `${environment.label(step.id)} ${step.id}  ${environment.reporter.color('dim', `not run: ${skipReason}`)}`,
  );
  return {};
}

/** The {@link ActionContext} an action runs with: the run's connections, log, artifacts, progress. */
function actionContext(
  call: StepCall,
  decision: StepDecision | undefined,
  signal: AbortSignal,
): ActionContext {
  const { environment, step, secrets } = call;
  const { reporter, store, runId } = environment;
  let outputSecrets: string[] | undefined;
  return {
    runId,
    stepId: step.id,
    cwd: environment.cwd,
    runDir: store.location(runId),
    db: environment.connections,
    writeArtifact: async (name, content, options) => {
      // Redacted like log lines: URL passwords and every secret param's value.
      const text = redactJson(content, secrets) as string;
      await store.writeArtifact(runId, name, text, options);
      return store.location(runId, name);
    },
    ...runView(store, runId),
    log: async (type, data, options) => {
      await environment.journal.append(type, step.id, redactJson(data ?? null, secrets), options);
    },
    progress: (line, options) => {
      const shown = `    ${terminalSafe(redactJson(line, secrets) as string)}`;
      if (options?.transient) reporter.status?.(shown);
      else reporter.line(shown);
    },
    liveProgress: Boolean(reporter.live && reporter.status),
    checkpoint: {
      read: () => environment.progress.read(step.id),
      write: (data, options) => environment.progress.write(step.id, data, options),
    },
    shared: environment.shared,
    attempt: {
      number: call.attempt,
      ...(decision ? { decision } : {}),
      allowChanged: environment.allowChanged,
    },
    confirmations: environment.confirmations,
    ...(environment.gateEnv ? { gateEnv: environment.gateEnv } : {}),
    env: environment.env,
    // A command's output: also what it may print of its environment, and a secret's lines.
    redact: (text) => {
      outputSecrets ??= withLines([...secrets, ...ambientSecretValues(environment.env)]);
      return redactJson(text, outputSecrets) as string;
    },
    signal,
  };
}

/** Logs and prints a step's success; returns its output (secret param values redacted). */
async function recordSuccess(call: StepCall, result: ActionResult): Promise<JsonObject> {
  const { environment, step, secrets } = call;
  const ms = Date.now() - call.started;
  // Outputs land in the machine's context (snapshot.json): never a secret param's value. Later
  // steps read them, so a secret is masked only where it is no part of a longer name: a database
  // `app_postgres` keeps its name under a password `postgres` (else `app_***` flows on).
  const output = redactJson(result.output ?? {}, secrets, true) as JsonObject;
  const summary =
    result.summary === undefined ? undefined : (redactJson(result.summary, secrets) as string);
  // Fsynced by the next barrier (the next step's start, or the run's end): a step whose outcome
  // a power loss erased runs again, which every action must allow.
  await environment.journal.append(
    'step.succeeded',
    step.id,
    { duration_ms: ms, summary: summary ?? null, output },
    { durable: false },
  );
  crashHook(`step.succeeded:${step.id}`);
  const { reporter } = environment;
  reporter.line(
    `${' '.repeat(environment.label(step.id).length)} ${reporter.color('ok', '✓')} ${step.id}` +
      `${summary ? `  ${summary}` : ''}  ${reporter.color('dim', formatDuration(ms))}`,
  );
  return output;
}

/**
 * Turns what a step threw into its failure record (diagnosed, secrets redacted, a long statement
 * kept once as an artifact), logs and prints it, and returns it for the machine to keep.
 */
async function recordFailure(call: StepCall, error: unknown): Promise<StepFailureRecord> {
  const { environment, step, secrets } = call;
  const { reporter, store, runId } = environment;
  let failure = toFailureRecord(step.id, error);
  if (environment.diagnose) failure = await environment.diagnose(failure).catch(() => failure);
  // A failure (message, statement, output tails) may quote a secret param: it is printed, logged
  // and kept in the checkpoint, so it is redacted like the arguments.
  failure = redactJson(failure as unknown as JsonObject, secrets) as unknown as StepFailureRecord;
  // A long statement is kept once, as an artifact; the log, checkpoint and run.json get an excerpt.
  failure = await boundFailureStatement(failure, (name, text) =>
    store.writeArtifact(runId, name, text),
  );
  const ms = Date.now() - call.started;
  await environment.journal.append('step.failed', step.id, {
    duration_ms: ms,
    failure: failure as unknown as JsonObject,
  });
  reporter.line(
    `${' '.repeat(environment.label(step.id).length)} ${reporter.color('fail', '✗')} ${step.id}  ` +
      terminalSafe(
        `${failure.code} ${truncateForTerminal(failure.message, `runbook inspect ${runId}`)}` +
          `${failure.migration ? ` (migration ${failure.migration})` : ''}`,
      ),
  );
  if (failure.diagnosis) reporter.line(`      diagnosis: ${terminalSafe(failure.diagnosis)}`);
  return failure;
}
