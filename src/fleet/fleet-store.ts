import type pg from 'pg';
import { InvalidInputError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { Connections } from '../postgres/connections.js';
import { redactUrl } from '../postgres/url.js';
import { ensureStoreSchema } from '../runs/pg-store-schema.js';
import type { LogHead } from '../runs/log-anchor.js';
import { createRunId } from '../runs/run-id.js';
import { assertNoSecret } from '../runs/secret-guard.js';
import { freshRunIds } from './fresh-run-ids.js';
import type { ResolvedTarget } from './resolve-targets.js';
import { withoutPassword } from './without-password.js';

/** Where a target of a fleet stands (docs/design.md "Fleets"). */
export type TargetStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'incomplete' | 'refused';

/** A fleet as stored in `runbook.fleets`. */
export interface FleetRecord {
  id: string;
  procedure: string;
  procedureFile: string;
  targetsFile: string;
  authority: JsonObject;
  concurrency: number;
  perServer: number | null;
  queued: boolean;
  command: string;
  createdAt: string;
}

/** A target of a fleet as stored in `runbook.fleet_targets`. */
export interface FleetTarget {
  position: number;
  name: string;
  /** The server URL without its password (a driver authenticates with PGPASSWORD or ~/.pgpass). */
  server: string;
  serverKey: string;
  params: Record<string, string>;
  runId: string;
  status: TargetStatus;
  failedStep: string | null;
  code: string | null;
  message: string | null;
  /** How many times a driver took the target (a retried worker job counts again). */
  drives: number;
  updatedAt: string;
  /**
   * The head of the target's event log as the drive that last ended with a run left it (null
   * before one did): what `run` and `resume` print as their `log:` line.
   */
  log: LogHead | null;
}

/** How a drive of a target ended, as recorded. */
export interface TargetOutcome {
  status: Exclude<TargetStatus, 'pending' | 'running'>;
  failedStep?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  /** The head of the target's event log as this drive left it (absent: no run was driven). */
  log?: LogHead | undefined;
}

/** What a new fleet is. */
export type NewFleet = Omit<FleetRecord, 'id' | 'createdAt'>;

/** Refuses (SecretLeakError) a row about to be written to a fleet table that holds a password. */
function guard(table: string, row: readonly unknown[]): void {
  assertNoSecret(JSON.stringify(row), `runbook.${table}`);
}

interface TargetRow {
  position: number;
  name: string;
  server: string;
  server_key: string;
  params: Record<string, string>;
  run_id: string;
  status: TargetStatus;
  failed_step: string | null;
  code: string | null;
  message: string | null;
  drives: number;
  updated_at: Date;
  log_lines: number | null;
  log_head: string | null;
}

/**
 * The fleet tables of the PostgreSQL run store (`runbook.fleets`, `runbook.fleet_targets`,
 * created by the store's migration 002): one connection pool to the store database, the schema
 * brought up to date on first use. {@link close} ends it.
 */
export class FleetStore {
  private readonly connections: Connections;
  private ready: Promise<pg.Pool> | undefined;

  constructor(storeUrl: string) {
    this.connections = new Connections(storeUrl, { applicationName: 'runbook-fleet', max: 2 });
  }

  /** The pool of the store database, its schema current. */
  async pool(): Promise<pg.Pool> {
    this.ready ??= (async () => {
      const pool = this.connections.pool();
      await ensureStoreSchema(pool);
      return pool;
    })();
    return this.ready;
  }

  async close(): Promise<void> {
    await this.connections.end();
  }

  /**
   * Records a new fleet and its targets in one transaction, each target's run id chosen now
   * (unique in the store: no other target's, no run's in `runbook.runs`), every target `pending`.
   * A row holding a password is refused ({@link SecretLeakError}, nothing written): server URLs
   * are stored {@link withoutPassword}. Returns the fleet id.
   */
  async create(fleet: NewFleet, targets: readonly ResolvedTarget[]): Promise<string> {
    const pool = await this.pool();
    const client = await pool.connect();
    const id = createRunId('fleet');
    try {
      await client.query('BEGIN');
      const row = [
        id,
        fleet.procedure,
        fleet.procedureFile,
        fleet.targetsFile,
        fleet.authority,
        fleet.concurrency,
        fleet.perServer,
        fleet.queued,
        fleet.command,
      ];
      guard('fleets', row);
      await client.query(
        `INSERT INTO runbook.fleets (id, procedure, procedure_file, targets_file, authority,
           concurrency, per_server, queued, command) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        row,
      );
      const runIds = await freshRunIds(client, fleet.procedure, targets.length);
      for (const [position, t] of targets.entries()) {
        const target = [id, position, t.name, withoutPassword(t.serverUrl), t.serverKey, t.params];
        guard('fleet_targets', target);
        await client.query(
          `INSERT INTO runbook.fleet_targets (fleet_id, position, name, server, server_key, params, run_id)
           VALUES ($1,$2,$3,$4,$5,$6,$7)`,
          [...target, runIds[position]],
        );
      }
      await client.query('COMMIT');
      return id;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** The fleet `idOrPrefix` names (exact id or unique prefix); exit 2 when none or several. */
  async fleet(idOrPrefix: string): Promise<FleetRecord> {
    const { rows } = await (
      await this.pool()
    ).query<{
      id: string;
      procedure: string;
      procedure_file: string;
      targets_file: string;
      authority: JsonObject;
      concurrency: number;
      per_server: number | null;
      queued: boolean;
      command: string;
      created_at: Date;
    }>(
      `SELECT * FROM runbook.fleets WHERE id = $1 OR starts_with(id, $1) ORDER BY id = $1 DESC LIMIT 2`,
      [idOrPrefix],
    );
    const r = rows[0];
    if (!r || (rows.length > 1 && r.id !== idOrPrefix)) {
      throw new InvalidInputError([
        {
          message: r ? `'${idOrPrefix}' names several fleets` : `no fleet matches '${idOrPrefix}'`,
        },
      ]);
    }
    return {
      id: r.id,
      procedure: r.procedure,
      procedureFile: r.procedure_file,
      targetsFile: r.targets_file,
      authority: r.authority,
      concurrency: r.concurrency,
      perServer: r.per_server,
      queued: r.queued,
      command: r.command,
      createdAt: r.created_at.toISOString(),
    };
  }

  /** The targets of fleet `id` in file order (optionally only those in `statuses`). */
  async targets(id: string, statuses?: readonly TargetStatus[]): Promise<FleetTarget[]> {
    const { rows } = await (
      await this.pool()
    ).query<TargetRow>(
      `SELECT * FROM runbook.fleet_targets WHERE fleet_id = $1
         AND ($2::text[] IS NULL OR status = ANY($2)) ORDER BY position`,
      [id, statuses ?? null],
    );
    return rows.map(toTarget);
  }

  /** One target of fleet `id`. */
  async target(id: string, position: number): Promise<FleetTarget | undefined> {
    const { rows } = await (
      await this.pool()
    ).query<TargetRow>(
      'SELECT * FROM runbook.fleet_targets WHERE fleet_id = $1 AND position = $2',
      [id, position],
    );
    return rows[0] && toTarget(rows[0]);
  }

  /** Marks a target taken by a driver: `running`, one more drive. */
  async markRunning(id: string, position: number): Promise<void> {
    await (
      await this.pool()
    ).query(
      `UPDATE runbook.fleet_targets SET status = 'running', drives = drives + 1,
         failed_step = NULL, code = NULL, message = NULL, updated_at = now()
       WHERE fleet_id = $1 AND position = $2`,
      [id, position],
    );
  }

  /**
   * Records how a drive of a target ended (a password in its message masked), with the log head
   * it left. A head only moves forward: one of fewer lines (a stalled driver recording late) or
   * none (the drive found no log) leaves the recorded one.
   */
  async markDone(id: string, position: number, outcome: TargetOutcome): Promise<void> {
    const row = [
      id,
      position,
      outcome.status,
      outcome.failedStep ?? null,
      outcome.code ?? null,
      outcome.message === undefined ? null : redactUrl(outcome.message),
      outcome.log?.lines ?? null,
      outcome.log?.head ?? null,
    ];
    guard('fleet_targets', row);
    const newer = '$7::int IS NOT NULL AND (log_lines IS NULL OR $7::int >= log_lines)';
    await (
      await this.pool()
    ).query(
      `UPDATE runbook.fleet_targets SET status = $3, failed_step = $4, code = $5, message = $6,
         log_lines = CASE WHEN ${newer} THEN $7::int ELSE log_lines END,
         log_head = CASE WHEN ${newer} THEN $8 ELSE log_head END, updated_at = now()
       WHERE fleet_id = $1 AND position = $2`,
      row,
    );
  }

  /** Replaces the stored authority of fleet `id` (a resume given authority flags). */
  async setAuthority(id: string, authority: JsonObject): Promise<void> {
    guard('fleets', [id, authority]);
    await (
      await this.pool()
    ).query('UPDATE runbook.fleets SET authority = $2 WHERE id = $1', [id, authority]);
  }

  /** Sets targets back to `pending` (before they are driven or queued again). */
  async markPending(id: string, positions: readonly number[]): Promise<void> {
    await (
      await this.pool()
    ).query(
      `UPDATE runbook.fleet_targets SET status = 'pending', updated_at = now()
        WHERE fleet_id = $1 AND position = ANY($2::int[])`,
      [id, positions],
    );
  }
}

function toTarget(r: TargetRow): FleetTarget {
  return {
    position: r.position,
    name: r.name,
    server: r.server,
    serverKey: r.server_key,
    params: r.params,
    runId: r.run_id,
    status: r.status,
    failedStep: r.failed_step,
    code: r.code,
    message: r.message,
    drives: r.drives,
    updatedAt: r.updated_at.toISOString(),
    log:
      r.log_head === null || r.log_lines === null ? null : { lines: r.log_lines, head: r.log_head },
  };
}
