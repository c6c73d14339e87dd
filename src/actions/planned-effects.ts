/** What an earlier step of a dry run would leave a database as. */
export interface PlannedDatabase {
  /** `empty`: created or recreated, fresh from its template; `absent`: dropped. */
  state: 'empty' | 'absent';
  /** The step that would leave it so. */
  step: string;
}

/**
 * The effects of the steps a dry run has planned so far, carried forward to the next step's plan
 * (docs/design.md "Dry run"): a database a step would drop or recreate, the version rows a stamp
 * or an upgrade would leave. A later step's plan reads these before the database, which does not
 * yet show them. One instance per dry run; plans run in step order.
 */
export class PlannedEffects {
  private readonly databases = new Map<string, PlannedDatabase>();
  private readonly rows = new Map<string, string[]>();

  /** What an earlier step would leave `database` as, if any step changes its existence. */
  database(database: string): PlannedDatabase | undefined {
    return this.databases.get(database);
  }

  /** Records that `step` would leave `database` empty or absent (forgetting its version rows). */
  setDatabase(database: string, state: PlannedDatabase['state'], step: string): void {
    this.databases.set(database, { state, step });
    for (const key of [...this.rows.keys()]) {
      if (key.startsWith(`${database}\0`)) this.rows.delete(key);
    }
  }

  /** The version rows an earlier step would leave in `table` of `database`, if one writes them. */
  versionRows(database: string, table: string): string[] | undefined {
    return this.rows.get(`${database}\0${table}`);
  }

  /** Records the version rows a step would leave. */
  setVersionRows(database: string, table: string, rows: readonly string[]): void {
    this.rows.set(`${database}\0${table}`, [...rows]);
  }
}
