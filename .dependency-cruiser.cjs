/**
 * Architecture check (`npm run lint` runs `depcruise src`): the folders of src/ form layers that
 * import one way only, lowest first:
 *
 *   errors.ts, json.ts, text/, postgres/url.ts + postgres/redact.ts,
 *   lazy-builtin.ts                                                   pure foundations
 *   package-root.ts                                                   files shipped with the package
 *   postgres/, step-context.ts                                        database access, step contract
 *   runs/                                                             run store and event log
 *   migrations/ → catalog/ → actions/ → procedure/ → engine/ → report/ → fleet/ → project/ → cli/
 *
 * A module may import its own layer and any layer below it; an import pointing up fails the lint.
 * Type-only imports count too: a type is as much a dependency as a value.
 */

/** Paths (regular expressions on the path from the repository root) of each layer, lowest first. */
const foundation = [
  '^src/errors[.]ts$',
  '^src/json[.]ts$',
  '^src/text/',
  '^src/postgres/(url|redact)[.]ts$',
  '^src/package-root[.]ts$',
  '^src/lazy-builtin[.]ts$',
];
const layers = [
  { name: 'foundation', path: foundation },
  { name: 'postgres', path: ['^src/postgres/', '^src/step-context[.]ts$'] },
  { name: 'runs', path: ['^src/runs/'] },
  { name: 'migrations', path: ['^src/migrations/'] },
  { name: 'catalog', path: ['^src/catalog/'] },
  { name: 'actions', path: ['^src/actions/'] },
  { name: 'procedure', path: ['^src/procedure/'] },
  { name: 'engine', path: ['^src/engine/'] },
  { name: 'report', path: ['^src/report/'] },
  { name: 'fleet', path: ['^src/fleet/'] },
  { name: 'project', path: ['^src/project/'] },
  { name: 'cli', path: ['^src/cli/'] },
  { name: 'index', path: ['^src/index[.]ts$'] },
];

/** One rule per layer: nothing in it imports a layer above it. */
const upwardImports = layers.slice(0, -1).map((layer, i) => {
  const below = layers.slice(0, i).flatMap((l) => l.path);
  return {
    name: `layer-${layer.name}`,
    severity: 'error',
    comment: `${layer.name} imports only its own layer and those below it (${
      layers
        .slice(0, i)
        .map((l) => l.name)
        .join(', ') || 'nothing of runbook'
    })`,
    from: { path: layer.path, pathNot: below },
    to: { path: '^src/', pathNot: [...layer.path, ...below] },
  };
});

module.exports = {
  forbidden: [
    ...upwardImports,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules do not import each other in a cycle, inside a folder or across folders',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'cli-is-a-leaf',
      severity: 'error',
      comment:
        'nothing but src/cli imports src/cli (the library does not depend on the command line)',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'pg-through-postgres',
      severity: 'error',
      comment:
        'only src/postgres creates pg pools and clients; elsewhere pg is imported for its types (or its error class, through src/postgres)',
      from: { path: '^src/', pathNot: '^src/postgres/' },
      to: { path: '^node_modules/pg/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'every import resolves to a file',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
