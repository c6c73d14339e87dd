import type { Option } from 'commander';

/** What every verb handler gets besides its arguments and options. */
export interface VerbContext {
  /** The whole command line (without node and the script), as recorded by `run` and `resume`. */
  argv: readonly string[];
  /** Where the verb may keep what it derived from files, between processes (the bundled CLI only). */
  cache?: VerbDataCache;
}

/**
 * Text a verb keeps between processes under a name of its own, for this build of the CLI only: a
 * file per name in the code cache's directory (docs/design.md, "The CLI bundle"). Whatever is read
 * back was written by this user (or root) and no one else can have changed it; it may still be
 * stale or cut short, so a verb keys it by what it was derived from and checks its shape.
 */
export interface VerbDataCache {
  /** The text last written under `name`, or undefined (none, unreadable, not private). */
  read(name: string): string | undefined;
  /** Replaces the text under `name`; a failure to write only costs the cache. */
  write(name: string, text: string): void;
}

/** A verb's module: loaded with `import()` only when the verb runs. */
export interface VerbModule {
  /** Runs the verb; resolves to the exit code. `o` is the verb's options as commander parsed them. */
  run(args: string[], o: never, ctx: VerbContext): Promise<number>;
  /**
   * Reports an error `run` threw and returns its exit code. Present in the bundled CLI, where each
   * verb bundle classifies the errors of its own copy of the error classes; otherwise the CLI's
   * `reportError` does.
   */
  reportError?(err: unknown, json: boolean): number;
  /**
   * The data cache `run` will be given, without loading the verb's code (the bundled CLI only),
   * for the verb's {@link Verb.fromCache}.
   */
  dataCache?(): VerbDataCache | undefined;
}

/** One verb of the CLI: what `--help` shows, and how to load it. */
export interface Verb {
  /** Name and arguments, as commander takes them (`show <procedure>`). */
  command: string;
  summary: string;
  /** Its options, made afresh for each parse. */
  options(): Option[];
  /** Printed after the options in the verb's `--help`. */
  help?: string;
  /**
   * Starts, as soon as the options are parsed and before the verb's module loads, work the verb
   * will wait for (`run`: the Alembic bridge); it must not fail nor change what the verb does.
   */
  prestart?(args: string[], options: Record<string, unknown>): void;
  /**
   * Answers from the verb's data cache alone, before its module loads: resolves to the exit code
   * once it printed the verb's whole output, or to undefined, having printed and changed nothing,
   * when the verb must run (`list`: a procedure file changed). It must not throw.
   */
  fromCache?(options: Record<string, unknown>, cache: VerbDataCache): Promise<number | undefined>;
  /** Loads the verb's module; absent only for a parent of {@link subcommands}. */
  load?(): Promise<VerbModule>;
  /**
   * Sub-verbs (`fleet run`, `fleet resume`…): the verb is then only their parent (bare, it prints
   * its help on stderr and exits 2), and each runs its own module.
   */
  subcommands?: readonly Verb[];
}
