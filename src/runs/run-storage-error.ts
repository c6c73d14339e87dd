/** errno codes that mean the run directory's file system will not take more writes. */
const STORAGE_CODES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'I/O error',
};

/**
 * The run's own files (log, checkpoint, run.json) could not be written: the run stopped where
 * it was, its last durable checkpoint intact. Carries the errno code (`ENOSPC`…) and the command
 * that continues the run once the disk takes writes again. CLI exit 1.
 */
export class RunStorageError extends Error {
  override readonly name = 'RunStorageError';
  readonly exitCode = 1;
  constructor(
    /** The errno code, e.g. `ENOSPC`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `err` as a {@link RunStorageError} when it is a file-system error that stops the run from
 * recording itself (a full disk), else undefined. `runDir` and `resume` go into the message.
 */
export function runStorageError(
  err: unknown,
  runDir: string,
  resume: string,
): RunStorageError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof RunStorageError) return err;
  if (typeof code !== 'string' || !Object.hasOwn(STORAGE_CODES, code)) return undefined;
  if (typeof (err as NodeJS.ErrnoException).syscall !== 'string') return undefined;
  return new RunStorageError(
    code,
    `cannot write the run's files under ${runDir}: ${STORAGE_CODES[code]} (${code}). ` +
      `The run stopped; its last checkpoint is intact. Free space, then: ${resume}`,
    { cause: err },
  );
}
