import { projectSettings } from '../project-settings.js';
import { storeSpecFrom } from '../store-spec.js';
import { InvalidInputError } from '../../errors.js';
import { findProcedureFile } from '../../procedure/find-procedures.js';
import { loadProcedure } from '../../procedure/load-procedure.js';
import { paramsWithConfig } from '../../project/config-params.js';
import { terminalSafe, terminalSafeInline } from '../../text/terminal-text.js';
import { FleetStore, type FleetTarget, type TargetOutcome } from '../../fleet/fleet-store.js';
import { fleetStoreUrl } from '../../fleet/fleet-store-url.js';
import {
  failureLines,
  formatFleet,
  logHeadLines,
  summarizeFleet,
  summaryLine,
} from '../../fleet/fleet-summary.js';
import { logHeadText } from '../../runs/log-anchor.js';
import { resumeFleet, startFleet } from '../../fleet/start-fleet.js';
import type { AuthorityFlags } from '../../engine/authorize-procedure.js';
import { authorityFlags, type AuthorityFlagValues } from '../authority-flag-values.js';
import { commandLine } from '../command-line.js';
import { positiveInteger } from '../positive-integer.js';

/** Flags shared by the `fleet` verbs. */
export interface FleetFlags {
  procedures: string;
  store?: string;
  configStore?: string;
  databaseUrl?: string;
  json?: boolean;
  concurrency?: string;
  perServer?: string;
}

/** One line for a person on stdout (server text made terminal-safe). */
function say(line: string): void {
  process.stdout.write(`${terminalSafe(line)}\n`);
}

/** A target's line as its drive ends, with the head of its run's log (as `run` prints one). */
function progress(target: FleetTarget, outcome: TargetOutcome): void {
  const why = outcome.code
    ? ` at ${terminalSafeInline(outcome.failedStep ?? '?')} (${terminalSafeInline(outcome.code)})`
    : '';
  const log = outcome.log ? `  log ${logHeadText(outcome.log)}` : '';
  const name = terminalSafeInline(target.name);
  process.stderr.write(`${name}: ${outcome.status}${why}  run ${target.runId}${log}\n`);
}

async function printFleet(
  fleets: FleetStore,
  id: string,
  json: boolean | undefined,
): Promise<number> {
  const fleet = await fleets.fleet(id);
  const targets = await fleets.targets(fleet.id);
  const summary = summarizeFleet(targets);
  if (json) {
    process.stdout.write(JSON.stringify({ ok: true, fleet, summary, targets }, null, 2) + '\n');
  } else {
    say(formatFleet(fleet.id, fleet.procedure, targets));
  }
  return summary.succeeded === summary.total ? 0 : 1;
}

/**
 * `runbook fleet run <procedure> --targets FILE [--concurrency N] [--per-server N] [--queue]`:
 * 0 every target succeeded (or, with --queue, every target queued), 1 some did not, 2 invalid
 * input (nothing ran).
 */
export async function fleetRunVerb(
  name: string,
  o: FleetFlags &
    AuthorityFlagValues & {
      targets: string;
      queue?: boolean;
      param: Record<string, string>;
      /** The params under the targets file's: the config's defaults for the procedure. */
      defaultParams?: Record<string, string>;
    },
  argv: string[],
): Promise<number> {
  const storeUrl = fleetStoreUrl(o);
  const concurrency = positiveInteger(o.concurrency, '--concurrency', 4);
  const perServer =
    o.perServer === undefined ? undefined : positiveInteger(o.perServer, '--per-server', 1);
  const file = await findProcedureFile(name, o.procedures);
  const fleets = new FleetStore(storeUrl);
  try {
    const id = await startFleet({
      fleets,
      storeUrl,
      procedure: file,
      targetsFile: o.targets,
      databaseUrl: o.databaseUrl ?? process.env.DATABASE_URL,
      params: o.param,
      ...(o.defaultParams ? { defaultParams: o.defaultParams } : {}),
      authority: authorityFlags(o),
      concurrency,
      perServer,
      queue: Boolean(o.queue),
      command: commandLine(argv),
      onCreated: (fleetId) =>
        process.stderr.write(terminalSafe(`runbook ▸ fleet ${fleetId}`) + '\n'),
      onTarget: progress,
    });
    if (o.queue) {
      const targets = await fleets.targets(id);
      if (o.json)
        process.stdout.write(
          JSON.stringify({ ok: true, fleet: id, queued: targets.length }) + '\n',
        );
      else say(`fleet ${id}: ${targets.length} targets queued for runbook workers`);
      return 0;
    }
    return await finish(fleets, id, o.json);
  } finally {
    await fleets.close();
  }
}

async function finish(fleets: FleetStore, id: string, json: boolean | undefined): Promise<number> {
  const targets = await fleets.targets(id);
  const summary = summarizeFleet(targets);
  if (json) {
    const logs = targets.map((t) => ({
      position: t.position,
      target: t.name,
      runId: t.runId,
      log: t.log,
    }));
    const ok = summary.succeeded === summary.total;
    process.stdout.write(JSON.stringify({ ok, fleet: id, summary, logs }, null, 2) + '\n');
  } else {
    say(`fleet ${id}: ${summaryLine(summary)}`);
    for (const line of failureLines(id, summary, (f) => `run ${f.runId}`)) say(line);
    for (const line of logHeadLines(targets)) say(line);
  }
  return summary.succeeded === summary.total ? 0 : 1;
}

/**
 * `runbook fleet resume <id>`: the failed and unfinished targets only; exit codes as `fleet run`.
 * Authority flags given replace the fleet's stored ones (a refused target can be confirmed);
 * `--database-url` is the password-bearing URL of the targets on that server. A queued fleet's
 * targets are enqueued again (exit 0; `--json` prints what was queued).
 */
export async function fleetResumeVerb(
  id: string,
  o: FleetFlags & { authority: AuthorityFlags },
  argv: string[],
): Promise<number> {
  const storeUrl = fleetStoreUrl(o);
  const fleets = new FleetStore(storeUrl);
  try {
    const fleet = await fleets.fleet(id);
    const taken = await resumeFleet({
      fleets,
      storeUrl,
      id: fleet.id,
      concurrency: positiveInteger(o.concurrency, '--concurrency', fleet.concurrency),
      perServer:
        o.perServer === undefined ? undefined : positiveInteger(o.perServer, '--per-server', 1),
      authority: o.authority,
      command: commandLine(argv),
      ...(o.databaseUrl !== undefined ? { serverUrl: o.databaseUrl } : {}),
      onTarget: progress,
    });
    process.stderr.write(
      terminalSafe(
        `runbook ▸ fleet ${fleet.id}: ${taken} targets ${fleet.queued ? 'queued again' : 'resumed'}`,
      ) + '\n',
    );
    if (!fleet.queued) return await finish(fleets, fleet.id, o.json);
    if (o.json)
      process.stdout.write(JSON.stringify({ ok: true, fleet: fleet.id, queued: taken }) + '\n');
    else say(`fleet ${fleet.id}: ${taken} targets queued again for runbook workers`);
    return 0;
  } finally {
    await fleets.close();
  }
}

/** `runbook fleet inspect <id> [--json]`: the per-target table and the summary; 0 when all succeeded. */
export async function fleetInspectVerb(id: string, o: FleetFlags): Promise<number> {
  const fleets = new FleetStore(fleetStoreUrl(o));
  try {
    return await printFleet(fleets, id, o.json);
  } finally {
    await fleets.close();
  }
}

/** `runbook fleet report <id> --html FILE`: one HTML page for the whole fleet; 0 when all succeeded. */
export async function fleetReportVerb(
  id: string,
  o: FleetFlags & { html: string },
): Promise<number> {
  const { writeFile } = await import('node:fs/promises');
  const { renderFleetHtml } = await import('../../fleet/render-fleet-html.js');
  const fleets = new FleetStore(fleetStoreUrl(o));
  try {
    const fleet = await fleets.fleet(id);
    const targets = await fleets.targets(fleet.id);
    await writeFile(o.html, renderFleetHtml(fleet, targets));
    const summary = summarizeFleet(targets);
    if (o.json)
      process.stdout.write(
        JSON.stringify({ ok: true, fleet: fleet.id, html: o.html, summary }) + '\n',
      );
    else say(`${o.html}: fleet ${fleet.id}, ${summaryLine(summary)}`);
    return summary.succeeded === summary.total ? 0 : 1;
  } finally {
    await fleets.close();
  }
}

/** The options of every `fleet` action together (a verb table registers `fleet` as one verb). */
export type FleetVerbOptions = FleetFlags &
  AuthorityFlagValues & {
    targets?: string;
    queue?: boolean;
    param?: Record<string, string>;
    html?: string;
  };

/**
 * `runbook fleet <action> <procedure|fleet-id>` as one verb: `run`, `resume`, `inspect`,
 * `report`, each as its function above; an unknown action or a missing flag is invalid input.
 */
export async function run(
  [action, arg]: string[],
  o: FleetVerbOptions,
  ctx: { argv: readonly string[] },
): Promise<number> {
  const { settings, config } = await projectSettings(o, { procedures: action === 'run' });
  // Resume takes only the authority flags given now; run resolves them with the environment.
  const given = authorityFlags(o);
  o = {
    ...o,
    ...storeSpecFrom(o, settings, config),
    procedures: settings.procedures,
    ...(settings.databaseUrl !== undefined ? { databaseUrl: settings.databaseUrl } : {}),
    ...(settings.authorityHosts !== undefined ? { authorityHosts: settings.authorityHosts } : {}),
  };
  const missing = (flag: string): InvalidInputError =>
    new InvalidInputError([{ path: flag, message: `fleet ${action} needs ${flag}` }]);
  if (arg === undefined)
    throw new InvalidInputError([{ message: `fleet ${action} needs an argument` }]);
  switch (action) {
    case 'run':
      if (o.targets === undefined) throw missing('--targets');
      return fleetRunVerb(
        arg,
        {
          ...o,
          targets: o.targets,
          param: o.param ?? {},
          defaultParams: paramsWithConfig(
            await loadProcedure(await findProcedureFile(arg, o.procedures)),
            config,
            o.param ?? {},
          ),
        },
        [...ctx.argv],
      );
    case 'resume':
      return fleetResumeVerb(arg, { ...o, authority: given }, [...ctx.argv]);
    case 'inspect':
      return fleetInspectVerb(arg, o);
    case 'report':
      if (o.html === undefined) throw missing('--html');
      return fleetReportVerb(arg, { ...o, html: o.html });
    default:
      throw new InvalidInputError([
        { message: `unknown fleet action '${action}'`, hint: 'run, resume, inspect or report' },
      ]);
  }
}
