import type pg from 'pg';

/** The part of pg's protocol connection a COPY FROM STDIN drives. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** Bytes per CopyData message (any size works; this keeps messages modest). */
const CHUNK = 64 * 1024;

/**
 * One `COPY … FROM STDIN` statement with its data, as a pg `Submittable`: pg hands it the
 * connection, the server answers CopyInResponse, the data goes out as CopyData messages and
 * CopyDone, and the outcome arrives with ReadyForQuery. This is what psql does for a COPY block
 * of a pg_dump script; the data is sent as written (text or csv, as the statement says).
 */
class CopyFromStdin implements pg.Submittable {
  private error: unknown;
  private rowCount: number | null = null;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
    private readonly settle: (err: unknown, rowCount: number | null) => void,
  ) {}

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (let at = 0; at < this.data.length; at += CHUNK) {
      connection.sendCopyFromChunk(this.data.subarray(at, at + CHUNK));
    }
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const n = /^COPY (\d+)$/.exec(msg.text ?? '')?.[1];
    this.rowCount = n === undefined ? null : Number(n);
  }

  handleError(err: unknown): void {
    this.error ??= err;
    // A server error is followed by ReadyForQuery; a dead connection sends nothing more.
    if (!(err && typeof err === 'object' && 'severity' in err)) this.finish();
  }

  handleReadyForQuery(): void {
    this.finish();
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(this.error, this.rowCount);
  }

  // Messages a COPY FROM STDIN does not produce; pg calls them on any active query.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/**
 * Runs `statement` (a `COPY … FROM STDIN`) on `client`, sending `data` (the lines psql would
 * send). Resolves with the rows copied; rejects with the server's error (SQLSTATE in `code`).
 */
export function copyFromStdin(
  client: pg.ClientBase,
  statement: string,
  data: string,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new CopyFromStdin(statement, Buffer.from(data, 'utf8'), (err, rowCount) => {
      if (err) reject(err as Error);
      else resolve({ command: 'COPY', rowCount, rows: [], fields: [], oid: 0 });
    });
    client.query(query);
  });
}
