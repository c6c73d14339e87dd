/** What a bad-input case may use: the names it must never create, and its workspace. */
export interface CaseContext {
  /** Prefix of every object a case's procedure would create if it ran (checked absent after). */
  pfx: string;
  /** The test database (a table `<pfx>_t` would be created in it). */
  db: string;
  /** A URL with the proof password. */
  url: string;
}

/** One row of the catalogue. */
export interface BadInputCase {
  name: string;
  /** Procedure file body (written to `procedures/<slug>.yaml`; `run <slug>` unless `args`). */
  yaml?: (c: CaseContext) => string;
  /** Files of a migration folder `migrations-<slug>/` (relative path → content). */
  migrations?: Record<string, string>;
  /** argv instead of `run <slug> --database-url URL`; `slug` is the case's file name. */
  args?: (c: CaseContext, slug: string) => string[];
  env?: Record<string, string | undefined>;
  exit: 2 | 3;
  /** What stderr must say: the file position, the flag, or the refusal. */
  message: (slug: string) => RegExp;
  /** A defect reported to the lead: the assertion is expected to fail until it is fixed. */
  knownDefect?: string;
}

const head = (name = 'case'): string =>
  `procedure: ${name}\ndescription: bad input\nrequires: { authority: local, role: staging }\n`;

/** Two steps that would create `<pfx>_db` and table `<pfx>_t` if they ever ran. */
const creating = (c: CaseContext): string => `steps:
  - id: make-db
    do: database.create
    with: { name: "${c.pfx}_db" }
  - id: make-table
    do: sql.exec
    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_t (v int)" }
`;

const at = (slug: string): RegExp => new RegExp(`procedures/${slug}\\.yaml:\\d+:\\d+`);
const flag = (name: string) => (): RegExp => new RegExp(name.replace(/[-]/g, '\\-'));

const step = (id: string, more: string, c: CaseContext): string =>
  `  - id: ${id}\n    do: sql.exec\n    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_${id.replace(/\W/g, '_')} (v int)" }\n${more}`;

/** Steps creating the database `params.database` names, then using it. */
const usingDb = `steps:
  - id: make-db
    do: database.create
    with: { name: "\${{ params.database }}" }
  - id: use-db
    do: sql.exec
    with: { database: "\${{ params.database }}", sql: "CREATE TABLE t (v int)" }
`;

/** Migration folder contents for the migration cases (alembic-sql headers unless said). */
const rev = (id: string, down: string, extra = ''): string =>
  `-- revision: ${id}\n-- down_revision: ${down}\n${extra}CREATE TABLE IF NOT EXISTS mig_${id} (v int);\n`;
const migrating =
  (slug: string) =>
  (c: CaseContext): string =>
    `${head()}steps:
  - id: migrate
    do: migrations.upgrade
    with: { source: migrations-${slug}, target: head, database: "${c.db}" }
`;
/** The catalogue (issue 6): every case must exit 2 (3 for refusals) and leave nothing behind. */
export const BAD_INPUT_CASES: BadInputCase[] = [
  // Procedure files: YAML and types.
  { name: 'malformed YAML (unclosed flow sequence)', yaml: () => `${head()}steps: [\n  { id: a\n`, exit: 2, message: at },
  { name: 'YAML with a misindented key', yaml: (c) => `${head()}steps:\n  - id: a\n    do: sql.exec\n   with: { database: ${c.db} }\n`, exit: 2, message: at },
  { name: 'duplicate YAML key', yaml: (c) => `${head()}description: twice\n${creating(c)}`, exit: 2, message: at },
  { name: 'empty file', yaml: () => '', exit: 2, message: at },
  { name: 'steps is a string', yaml: () => `${head()}steps: make everything\n`, exit: 2, message: at },
  { name: 'step id is a list', yaml: (c) => `${head()}steps:\n  - id: [a, b]\n    do: sql.exec\n    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_t (v int)" }\n`, exit: 2, message: at },
  { name: 'with is a list', yaml: (c) => `${head()}steps:\n  - id: a\n    do: database.create\n    with: ["${c.pfx}_db"]\n`, exit: 2, message: at },
  { name: 'param default of the wrong type', yaml: (c) => `${head()}params:\n  n: { type: number, default: many }\n${creating(c)}`, exit: 2, message: at },
  { name: 'requires.authority is a list', yaml: (c) => `procedure: case\nrequires: { authority: [local], role: staging }\n${creating(c)}`, exit: 2, message: at },
  // Actions and keys.
  { name: 'misspelt action (sql.exce)', yaml: (c) => creating(c).replace('do: sql.exec', 'do: sql.exce').replace(/^/, head()), exit: 2, message: (s) => new RegExp(`${at(s).source}.*sql\\.exec`, 's') },
  { name: 'misspelt action (database.crate)', yaml: (c) => head() + creating(c).replace('database.create', 'database.crate'), exit: 2, message: (s) => new RegExp(`${at(s).source}.*database\\.create`, 's') },
  { name: 'unknown action', yaml: (c) => head() + creating(c).replace('do: sql.exec', 'do: banana.split'), exit: 2, message: at },
  { name: 'duplicate step ids', yaml: (c) => head() + creating(c).replace('id: make-table', 'id: make-db'), exit: 2, message: at },
  { name: 'unknown top-level key', yaml: (c) => `${head()}stepz: []\n${creating(c)}`, exit: 2, message: at },
  { name: 'unknown step key (withh)', yaml: (c) => head() + creating(c).replace('with: { name', 'withh: { name'), exit: 2, message: at },
  { name: 'unknown action argument', yaml: (c) => head() + creating(c).replace('{ name: "', '{ nmae: "x", name: "'), exit: 2, message: at },
  { name: 'missing required action argument', yaml: (c) => `${head()}steps:\n  - id: a\n    do: database.create\n    with: {}\n${creating(c).replace('steps:\n', '')}`, exit: 2, message: at },
  // Expressions and references.
  { name: 'expression naming a missing param', yaml: (c) => head() + creating(c).replace(`"${c.pfx}_db"`, '"${{ params.nope }}"'), exit: 2, message: at },
  { name: 'expression naming a missing step', yaml: (c) => head() + creating(c).replace(`database: "${c.db}"`, 'database: "${{ steps.nope.output.database }}"'), exit: 2, message: at },
  { name: 'expression with a syntax error', yaml: (c) => head() + creating(c).replace(`"${c.pfx}_db"`, '"${{ params. }}"'), exit: 2, message: at },
  { name: 'expression with an unknown root', yaml: (c) => head() + creating(c).replace(`"${c.pfx}_db"`, '"${{ secrets.db }}"'), exit: 2, message: at },
  { name: 'on_error cycle', yaml: (c) => `${head()}steps:\n${step('a', '    on_error: b\n', c)}${step('b', '    on_error: a\n', c)}`, exit: 2, message: at },
  { name: 'on_error naming a missing step', yaml: (c) => `${head()}steps:\n${step('a', '    on_error: nowhere\n', c)}`, exit: 2, message: at },
  { name: 'checklist naming a missing step', yaml: (c) => `${head()}${creating(c)}checklist:\n  - { item: "x", step: nowhere }\n`, exit: 2, message: at },
  // Params and flags.
  { name: '--param naming an unknown param', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--param', 'nope=1', '--database-url', c.url], exit: 2, message: flag('nope') },
  { name: 'required param not given', yaml: (c) => `${head()}params:\n  target: { type: string }\n${creating(c)}`, exit: 2, message: flag('target') },
  { name: '--param of the wrong type', yaml: (c) => `${head()}params:\n  n: { type: number, default: 1 }\n${creating(c)}`, args: (c, s) => ['run', s, '--param', 'n=abc', '--database-url', c.url], exit: 2, message: flag('n') },
  { name: '--param without =', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--param', 'nope', '--database-url', c.url], exit: 2, message: flag('--param') },
  { name: 'unknown flag', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--frobnicate', '--database-url', c.url], exit: 2, message: flag('--frobnicate') },
  { name: 'invalid URL', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'not a url'], exit: 2, message: flag('--database-url') },
  { name: 'URL of another scheme', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'mysql://u:RbProofS3cret!@127.0.0.1/x'], exit: 2, message: flag('--database-url') },
  { name: 'unknown procedure', args: (c) => ['run', 'no-such-procedure', '--database-url', c.url], exit: 2, message: flag('no-such-procedure') },
  { name: 'unknown run id (inspect)', args: () => ['inspect', 'nope-20260101T000000Z-abcd'], exit: 2, message: flag('nope-20260101T000000Z-abcd') },
  { name: 'unknown run id (resume)', args: (c) => ['resume', 'nope-20260101T000000Z-abcd', '--database-url', c.url], exit: 2, message: flag('nope-20260101T000000Z-abcd') },
  { name: 'ambiguous run-id prefix', args: (c) => ['resume', 'twice-', '--database-url', c.url], exit: 2, message: () => /ambiguous|twice-\d{8}T\d{6}Z-[0-9a-f]{4}.*twice-/s },
  { name: '--retry and --skip together', args: (c) => ['resume', 'last', '--retry', '--skip', 'x', '--database-url', c.url], exit: 2, message: flag('--skip') },
  // Identifiers, limits and the runs directory: refused before anything executes.
  { name: "database name with '?' (from the default)", yaml: (c) => `${head()}params:\n  database: { type: string, default: "${c.pfx}_db?x" }\n${usingDb}`, exit: 2, message: (s) => new RegExp(`${at(s).source}.*_db\\?x.*'\\?' or '#'`, 's') },
  { name: "database name with '#' (from --param)", yaml: (c) => `${head()}params:\n  database: { type: string, default: "${c.pfx}_db" }\n${usingDb}`, args: (c, s) => ['run', s, '--param', `database=${c.pfx}_db#x`, '--database-url', c.url], exit: 2, message: (s) => new RegExp(`${at(s).source}.*_db#x`, 's') },
  { name: 'param named __proto__', yaml: (c) => `${head()}params:\n  __proto__: { type: string, default: x }\n${creating(c)}`, exit: 2, message: (s) => new RegExp(`${at(s).source}.*__proto__`, 's') },
  { name: 'empty --runs-dir', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--runs-dir', '', '--database-url', c.url], exit: 2, message: flag('--runs-dir') },
  { name: '--runs-dir that cannot hold a directory (/proc/self)', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--runs-dir', '/proc/self', '--database-url', c.url], exit: 2, message: () => /--runs-dir.*\/proc\/self/ },
  { name: '--runs-dir naming a file', yaml: (c) => head() + creating(c), args: (c, s) => ['run', s, '--runs-dir', `procedures/${s}.yaml`, '--database-url', c.url], exit: 2, message: () => /--runs-dir.*not a directory/ },
  { name: 'SQL file with a NUL byte', yaml: (c) => `${head()}steps:\n  - id: a\n    do: sql.exec\n    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_t (v int)" }\n  - id: b\n    do: sql.exec\n    with: { database: "${c.db}", file: migrations-sqlnul/script.sql }\n`, migrations: { 'script.sql': 'SELECT 1;\nSELECT 2\0;\n' }, exit: 2, message: () => /migrations-sqlnul\/script\.sql:2:1.*NUL/ },
  { name: 'inline SQL with a NUL byte', yaml: (c) => `${head()}steps:\n  - id: a\n    do: sql.exec\n    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_t (v int);\\nSELECT '\\0'" }\n`, exit: 2, message: (s) => new RegExp(`${at(s).source}.*NUL byte \\(line 2`, 's') },
  { name: 'resume --skip of a name a plain object inherits (constructor)', args: (c) => ['resume', 'stops-', '--skip', 'constructor', '--database-url', c.url], exit: 2, message: () => /--skip.*constructor is neither a failed step|constructor is neither a failed step[^]*--skip/ },
  { name: 'resume --skip __proto__', args: (c) => ['resume', 'stops-', '--skip', '__proto__', '--database-url', c.url], exit: 2, message: () => /__proto__ is neither a failed step/ },
  { name: 'empty resume --note', args: (c) => ['resume', 'last', '--note', ' ', '--database-url', c.url], exit: 2, message: flag('--note') },
  { name: 'query with a NUL byte (sql.expect)', yaml: (c) => `${head()}${creating(c)}  - id: check\n    do: sql.expect\n    with: { database: "${c.db}", query: "SELECT '\\0'", scalar: x }\n`, exit: 2, message: (s) => new RegExp(`${at(s).source}.*sql\\.expect: the query holds a NUL byte`, 's') },
  // Refusals (exit 3): the authority contract.
  { name: 'no declared authority in the environment', yaml: (c) => head() + creating(c), env: { DB_AUTHORITY: undefined }, exit: 3, message: () => /AUTHORITY/ },
  { name: 'replica never runs a writing procedure', yaml: (c) => head() + creating(c), env: { DB_ROLE: 'replica' }, exit: 3, message: () => /replica/ },
  { name: 'URL host outside the declared authority', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'postgresql://u:RbProofS3cret!@db.example.com:5432/postgres'], exit: 3, message: () => /db\.example\.com/ },
  { name: 'requires.writes: false contradicted by a writing step', yaml: (c) => head().replace('role: staging }', 'role: replica, writes: false }') + creating(c), env: { DB_ROLE: 'replica' }, exit: 2, message: (s) => new RegExp(`${at(s).source}: requires\\.writes`) },
  { name: 'URL whose ?host= moves a local-looking URL elsewhere', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'postgresql://u:RbProofS3cret!@localhost:5432/postgres?host=192.0.2.2'], exit: 3, message: () => /192\.0\.2\.2 is not local/ },
  { name: 'URL whose host is a hex IPv4 address (0x08080808 is 8.8.8.8), not a service name', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'postgresql://u:RbProofS3cret!@0x08080808:5432/postgres'], exit: 3, message: () => /0x08080808 is not local/ },
  { name: 'URL with a libpq-only hostaddr', yaml: (c) => head() + creating(c), args: (_c, s) => ['run', s, '--database-url', 'postgresql://u:RbProofS3cret!@localhost:5432/postgres?hostaddr=192.0.2.2'], exit: 2, message: flag('--database-url') },
  // Migration folders.
  { name: 'migration folder mixing layouts', yaml: (c) => migrating('mixed')(c), migrations: { 'a1.sql': rev('a1', ''), '002_b.up.sql': 'CREATE TABLE mig_b (v int);\n' }, exit: 2, message: () => /migrations-mixed/ },
  { name: 'revision graph with a cycle', yaml: (c) => migrating('cycle')(c), migrations: { 'a.sql': rev('a', 'b'), 'b.sql': rev('b', 'a'), 'c.sql': rev('c', '') }, exit: 2, message: () => /migrations-cycle\/.*\.sql:\d+/ },
  { name: 'revision with a missing parent', yaml: (c) => migrating('orphan')(c), migrations: { 'a.sql': rev('a', ''), 'b.sql': rev('b', 'zz') }, exit: 2, message: () => /migrations-orphan\/b\.sql:2/ },
  { name: 'duplicate revision ids', yaml: (c) => migrating('dupe')(c), migrations: { 'a.sql': rev('a', ''), 'again/a.sql': rev('a', '') }, exit: 2, message: () => /migrations-dupe\/.*a\.sql:1/ },
  // SQL files: a psql meta-command other than pg_dump's \restrict / \unrestrict.
  { name: 'psql meta-command in a SQL file', yaml: (c) => `${head()}steps:\n  - id: load\n    do: sql.exec\n    with: { database: "${c.db}", file: migrations-psql/dump.sql }\n`, migrations: { 'dump.sql': '\\restrict k\nCREATE TABLE bad_input_psql_t (v int);\n\\connect other\n\\unrestrict k\n' }, exit: 2, message: () => /migrations-psql\/dump\.sql:3:1: .*\\connect/ },
  { name: 'psql meta-command after a UTF-8 BOM in a SQL file', yaml: (c) => `${head()}steps:\n  - id: a\n    do: sql.exec\n    with: { database: "${c.db}", sql: "CREATE TABLE ${c.pfx}_t (v int)" }\n  - id: load\n    do: sql.exec\n    with: { database: "${c.db}", file: migrations-psql/bom.sql }\n`, migrations: { 'bom.sql': '\uFEFF\\connect other\nCREATE TABLE bad_input_bom_t (v int);\n' }, exit: 2, message: () => /migrations-psql\/bom\.sql:1:1: .*\\connect/ },
  { name: 'revision id over 128 characters', yaml: (c) => migrating('long')(c), migrations: { 'a.sql': rev('a', ''), 'b.sql': rev('b'.repeat(129), 'a') }, exit: 2, message: () => /migrations-long\/b\.sql:1:1.*129 characters.*varchar\(128\)/s },
  { name: 'diesel metadata.toml whose run_in_transaction is not a boolean', yaml: (c) => migrating('dieselmeta')(c), migrations: { '20240101000000_init/up.sql': 'CREATE TABLE mig_d (v int);\n', '20240101000000_init/metadata.toml': 'run_in_transaction = "no"\n' }, exit: 2, message: () => /migrations-dieselmeta\/20240101000000_init\/metadata\.toml:1\b.*run_in_transaction must be true or false/s },
  { name: 'migration file with a NUL byte', yaml: (c) => migrating('nul')(c), migrations: { 'a.sql': rev('a', ''), 'b.sql': rev('b', 'a', "SELECT '\0';\n") }, exit: 2, message: () => /migrations-nul\/b\.sql:3:1.*NUL/s },
  { name: 'dbmate migration without its -- migrate:down block', yaml: (c) => migrating('dbmatedown')(c), migrations: { '001_a.sql': '-- migrate:up\nCREATE TABLE bad_input_dbmate_t (v int);\n' }, exit: 2, message: () => /migrations-dbmatedown\/001_a\.sql:1:\d+: .*migrate:down/s },
  { name: 'relative target beyond the history (+999999)', yaml: (c) => migrating('rel')(c).replace('target: head', 'target: "+999999"'), migrations: { 'a.sql': rev('a', ''), 'b.sql': rev('b', 'a') }, exit: 2, message: (s) => new RegExp(`${at(s).source}.*\\+999999.*only 2`, 's') },
  { name: 'migration source / (the filesystem root)', yaml: (c) => migrating('root')(c).replace('source: migrations-root', 'source: /'), exit: 2, message: (s) => new RegExp(`${at(s).source}.*filesystem root`, 's') },
  // Lock waits of a migration step.
  { name: 'lock_timeout that is not a duration', yaml: (c) => migrating('locktime')(c).replace('target: head', 'target: head, lock_timeout: soon'), migrations: { 'a.sql': rev('a', '') }, exit: 2, message: (s) => new RegExp(`${at(s).source}.*lock_timeout.*duration`, 's') },
  { name: 'RUNBOOK_LOCK_TIMEOUT that is not a duration', yaml: (c) => migrating('lockenv')(c), migrations: { 'a.sql': rev('a', '') }, env: { RUNBOOK_LOCK_TIMEOUT: 'soon' }, exit: 2, message: () => /RUNBOOK_LOCK_TIMEOUT="soon" is not a duration/ },
]; // prettier-ignore
