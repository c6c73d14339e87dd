import { Option } from 'commander';
import { authorityOptions } from './authority-flags.js';
import { option } from './options.js';
import type { Verb, VerbModule } from './verb.js';

/** The module of `fleet <action>`: verbs/fleet.js, told which action runs. */
const fleetAction =
  (action: string): NonNullable<Verb['load']> =>
  async () => {
    const fleet: VerbModule = await import('./verbs/fleet.js');
    return { ...fleet, run: (args, o, ctx) => fleet.run([action, ...args], o, ctx) };
  };

/** Options every fleet sub-verb takes. */
const fleetOptions = (): Option[] => [option.store(), option.json('print the result as JSON')];

/**
 * `fleet` (its actions as sub-verbs) and `worker`: one procedure over many databases, kept in a
 * PostgreSQL run store (docs/design.md "Fleets", "Workers"). Part of the CLI's verb table.
 */
export const FLEET_VERBS: readonly Verb[] = [
  {
    command: 'fleet',
    summary: 'one procedure over many databases, each target its own run (a PostgreSQL store)',
    options: () => [],
    subcommands: [
      {
        command: 'run <procedure>',
        summary: 'run a procedure on every target of a targets file (each its own run)',
        options: () => [
          new Option('--targets <file>', 'the targets file (YAML)').makeOptionMandatory(),
          new Option('--concurrency <n>', 'targets driven at once (default 4)'),
          new Option('--per-server <n>', 'targets driven at once on one server'),
          new Option(
            '--queue',
            'enqueue the targets for `runbook worker`s instead of driving them',
          ),
          option.param('param of every target (over the targets file); repeatable'),
          option.procedures(),
          option.databaseUrl(),
          ...fleetOptions(),
          ...authorityOptions(),
        ],
        load: fleetAction('run'),
      },
      {
        command: 'resume <fleet-id>',
        summary: 'resume the failed and unfinished targets of a fleet (never a succeeded one)',
        options: () => [
          new Option('--concurrency <n>', "targets driven at once (default: the fleet's)"),
          new Option('--per-server <n>', 'targets driven at once on one server'),
          new Option(
            '--database-url <url>',
            "the server URL with its password, for the fleet's targets on that server (stored without it)",
          ),
          ...fleetOptions(),
          ...authorityOptions(),
        ],
        load: fleetAction('resume'),
      },
      {
        command: 'inspect <fleet-id>',
        summary: 'offline: per-target status and the summary of a fleet',
        options: fleetOptions,
        load: fleetAction('inspect'),
      },
      {
        command: 'report <fleet-id>',
        summary: 'offline: one self-contained HTML page for the whole fleet',
        options: () => [
          new Option('--html <file>', 'where to write the HTML report').makeOptionMandatory(),
          ...fleetOptions(),
        ],
        load: fleetAction('report'),
      },
    ],
  },
  {
    command: 'worker',
    summary: "take fleet targets from the store's queue until SIGINT/SIGTERM",
    options: () => [
      new Option('--concurrency <n>', 'jobs at once (default 2)'),
      new Option(
        '--lock-timeout <seconds>',
        "hand a silent worker's job to another after this long (default 60, or $RUNBOOK_WORKER_LOCK_TIMEOUT)",
      ),
      option.store(),
    ],
    load: () => import('./verbs/worker.js'),
  },
];
