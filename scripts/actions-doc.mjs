#!/usr/bin/env node
/**
 * Writes `docs/actions.md`, the reference of every action's `with:` arguments, generated from the
 * actions' zod schemas (the built registry in `dist/`, so run `npm run docs`, which builds first).
 *
 *   node scripts/actions-doc.mjs            write docs/actions.md
 *   node scripts/actions-doc.mjs --check    exit 1 when docs/actions.md differs from what it writes
 *   node scripts/actions-doc.mjs --stdout   print the text instead of writing it
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionNames, actions } from '../dist/actions/index.js';
import { actionWithJsonSchema } from '../dist/procedure/procedure-json-schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = path.join(ROOT, 'docs', 'actions.md');
const EXPRESSION_REF = '#/$defs/expression';

/** The schema without the `${{ }}` alternative the procedure schema adds to it. */
function plain(node) {
  if (!node || typeof node !== 'object' || !Array.isArray(node.anyOf)) return node;
  const rest = node.anyOf.filter((n) => n.$ref !== EXPRESSION_REF);
  if (rest.length === node.anyOf.length) return node;
  const { anyOf: _anyOf, ...own } = node;
  return rest.length === 1 ? { ...rest[0], ...own } : { ...own, anyOf: rest };
}

/** A short type for a table cell: `string`, `integer ≥ 0`, `list of string`, `"a" \| "b"`, … */
function typeOf(input) {
  const node = plain(input);
  if (!node || Object.keys(node).length === 0) return 'any';
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (Array.isArray(node.enum))
    return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (Array.isArray(node.anyOf)) return [...new Set(node.anyOf.map(typeOf))].join(' \\| ');
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.length > 1) return types.join(' \\| ');
  switch (node.type) {
    case 'array':
      return `list of ${typeOf(node.items)}`;
    case 'object':
      if (node.properties) return 'object (below)';
      if (node.additionalProperties && typeof node.additionalProperties === 'object') {
        return `map of ${typeOf(node.additionalProperties)}`;
      }
      return 'map';
    case 'integer':
    case 'number': {
      const bounds = [];
      if (node.minimum !== undefined && node.minimum !== 0 && node.minimum > -1e15) {
        bounds.push(`≥ ${node.minimum}`);
      }
      if (node.minimum === 0) bounds.push('≥ 0');
      if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
      if (node.maximum !== undefined && node.maximum < 1e15) bounds.push(`≤ ${node.maximum}`);
      return [node.type, ...bounds].join(' ');
    }
    case 'string':
      return node.pattern ? `string matching \`${node.pattern}\`` : 'string';
    default:
      return String(node.type ?? 'any');
  }
}

/** The object schemas reachable from `node` whose keys get their own rows (`grants[].role`). */
function nestedObjects(input, at) {
  const node = plain(input);
  if (!node || typeof node !== 'object') return [];
  if (node.type === 'object' && node.properties) return [{ at, node }];
  if (node.type === 'array') return nestedObjects(node.items, `${at}[]`);
  if (Array.isArray(node.anyOf)) {
    const forms = node.anyOf.map((n) => nestedObjects(n, at)).filter((f) => f.length > 0);
    if (forms.length <= 1) return forms.flat();
    return node.anyOf
      .flatMap((n) => nestedObjects(n, at))
      .map((f, i) => ({ ...f, at: `${f.at} (form ${i + 1})` }));
  }
  return [];
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rows(node, prefix) {
  const required = new Set(node.required ?? []);
  const out = [];
  for (const [key, value] of Object.entries(node.properties ?? {})) {
    const name = `${prefix}${key}`;
    const p = plain(value);
    const fallback = p.default ?? value.default;
    out.push(
      `| \`${name}\` | ${typeOf(value)} | ${required.has(key) ? 'yes' : 'no'} | ${
        fallback === undefined ? '' : `\`${cell(JSON.stringify(fallback))}\``
      } | ${cell(value.description ?? p.description ?? '')} |`,
    );
    for (const nested of nestedObjects(value, name))
      out.push(...rows(nested.node, `${nested.at}.`));
  }
  return out;
}

/** The text of `docs/actions.md`. */
export function actionsMarkdown() {
  const lines = [
    '# Actions',
    '',
    "<!-- Generated from the actions' zod schemas by `npm run docs`; do not edit by hand. -->",
    '',
    'Every action a procedure step may name in `do:`, with the arguments it takes in `with:`. Any',
    'argument may be given as a `${{ }}` expression; arguments are checked once expressions are',
    'resolved. An unknown argument is invalid input (exit 2). "writes" says whether the action',
    'counts as writing (what `DB_ROLE=replica` refuses and `prod` must confirm; see',
    '[design.md](design.md#database-authority-contract)).',
    '',
    ...actionNames.map((name) => `- [\`${name}\`](#${name.replace(/[^a-z0-9-]/g, '')})`),
    '',
  ];
  for (const name of actionNames) {
    const action = actions.get(name);
    const schema = actionWithJsonSchema(action);
    lines.push(`## ${name}`, '', `${action.summary}. Writes: ${action.writes ? 'yes' : 'no'}.`, '');
    const body = rows(schema, '');
    if (body.length === 0) {
      lines.push('No arguments.', '');
      continue;
    }
    lines.push('| argument | type | required | default | description |');
    lines.push('| --- | --- | --- | --- | --- |');
    lines.push(...body, '');
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = actionsMarkdown();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
  } else if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(TARGET, 'utf8');
    } catch {
      // a missing file is stale
    }
    if (committed !== text) {
      process.stderr.write('docs/actions.md is stale or missing: run `npm run docs`\n');
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, text);
  }
}
