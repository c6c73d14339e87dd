import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.js';
import { parseProcedure } from '../src/procedure/load-procedure.js';
import { locate, testActions } from './procedure-fixtures.js';

const FILE = 'procedures/bad.yaml';

function rejected(text: string): InvalidInputError {
  try {
    parseProcedure(text, FILE, testActions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected the procedure to be rejected');
}

/**
 * Asserts the error's message holds `file:line:column: path: message (hint)` for the problem at
 * `path`, where line/column are those of `needle` in the text.
 */
function expectProblem(
  text: string,
  want: { path: string; at: string; after?: string; message: RegExp; hint: RegExp },
): void {
  const error = rejected(text);
  const { line, column } = locate(text, want.at, want.after);
  const problem = error.problems.find((p) => p.path === want.path && want.message.test(p.message));
  expect(problem, `no problem at ${want.path} in:\n${error.message}`).toBeDefined();
  expect(problem!.position).toEqual({ file: FILE, line, column });
  expect(problem!.hint).toMatch(want.hint);
  expect(error.message).toContain(`${FILE}:${line}:${column}: ${want.path}: `);
}

const head = `procedure: demo
requires: { authority: local, role: staging }
params:
  database: { type: string, default: demo }
`;

describe('procedure validation errors', () => {
  it('suggests the nearest action for a misspelt do', () => {
    const text = `${head}steps:\n  - id: one\n    do: sql.exce\n    with: { sql: select 1 }\n`;
    expectProblem(text, {
      path: 'steps[0].do',
      at: 'do: sql.exce',
      message: /unknown action `sql.exce`/,
      hint: /did you mean sql\.exec/,
    });
  });

  it('rejects duplicate ids across main, branches and finally, naming the first line', () => {
    const text = `${head}steps:
  - id: one
    do: sql.exec
  - id: block
    parallel:
      - id: left
        steps:
          - id: one
            do: sql.exec
finally:
  - id: block
    do: sql.exec
`;
    const error = rejected(text);
    const first = locate(text, 'id: one').line;
    expectProblem(text, {
      path: 'steps[1].parallel[0].steps[0].id',
      at: 'id: one',
      after: 'left',
      message: /duplicate id `one`/,
      hint: new RegExp(`first used at line ${first} \\(steps\\[0\\]\\)`),
    });
    expectProblem(text, {
      path: 'finally[0].id',
      at: 'id: block',
      after: 'finally',
      message: /duplicate id `block`/,
      hint: /first used at line/,
    });
    expect(error.problems).toHaveLength(2);
  });

  it('rejects an expression naming an undeclared param, hinting the declared one', () => {
    const text = `${head}steps:\n  - id: one\n    do: database.recreate\n    with: { name: "\${{ params.databse }}" }\n`;
    expectProblem(text, {
      path: 'steps[0].with.name',
      at: 'name:',
      message: /params\.databse.*not declared/,
      hint: /did you mean `params\.database`/,
    });
  });

  it('rejects an on_error cycle', () => {
    const text = `${head}steps:
  - id: a
    do: sql.exec
    on_error: b
  - id: b
    do: sql.exec
    on_error: a
`;
    const error = rejected(text);
    expectProblem(text, {
      path: 'steps[0].on_error',
      at: 'on_error: b',
      message: /on_error cycle: a -> b -> a/,
      hint: /loop forever/,
    });
    expect(error.problems.filter((p) => /cycle/.test(p.message))).toHaveLength(1);
  });

  it('reports a step routing its own failure to itself at its on_error', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n  - id: b\n    do: sql.exec\n    on_error: b\n`;
    expectProblem(text, {
      path: 'steps[1].on_error',
      at: 'on_error: b',
      message: /on_error cycle: b -> b/,
      hint: /loop forever/,
    });
  });

  it('rejects on_error naming a missing step', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    on_error: cleanpu\n  - id: cleanup\n    do: sql.exec\n`;
    expectProblem(text, {
      path: 'steps[0].on_error',
      at: 'on_error',
      message: /on_error names step `cleanpu`, which does not exist/,
      hint: /did you mean `cleanup`/,
    });
  });

  it('reports a YAML syntax error with its position', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    with: { sql: "select 1" \n  - id: b\n`;
    const error = rejected(text);
    const problem = error.problems[0]!;
    expect(problem.message).toMatch(/YAML syntax error/);
    expect(problem.position?.file).toBe(FILE);
    expect(problem.position!.line).toBeGreaterThanOrEqual(locate(text, 'with:').line);
    expect(problem.path).toBe('steps[0].with');
    expect(problem.hint).toBeTruthy();
    expect(error.message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+: steps\\[0\\]\\.with: YAML`));
  });

  it('reports a duplicate YAML key', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    do: sql.exec\n`;
    expectProblem(text, {
      path: 'steps[0].do',
      at: 'do: sql.exec',
      after: 'do: sql.exec\n',
      message: /Map keys must be unique/,
      hint: /remove or rename/,
    });
  });

  it('rejects a value of the wrong type', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    description: [not, text]\n`;
    expectProblem(text, {
      path: 'steps[0].description',
      at: 'description',
      message: /expected string, received array/,
      hint: /write a string/,
    });
  });

  it('rejects an unknown key, hinting the nearest valid key', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    wiht: { sql: select 1 }\n`;
    expectProblem(text, {
      path: 'steps[0].wiht',
      at: 'wiht',
      message: /unknown key `wiht`/,
      hint: /did you mean `with`/,
    });
  });

  it('rejects an unknown top-level key and a misspelt param type', () => {
    const text = `procedure: demo\nparams:\n  n: { type: integr }\nstep:\n  - id: a\n    do: sql.exec\n`;
    const error = rejected(text);
    expectProblem(text, {
      path: 'step',
      at: 'step:',
      message: /unknown key `step`/,
      hint: /did you mean `steps`/,
    });
    expectProblem(text, {
      path: 'params.n.type',
      at: 'type',
      message: /`integr` is not one of/,
      hint: /did you mean `integer`/,
    });
    expect(error.problems.some((p) => /missing required key `steps`/.test(p.message))).toBe(true);
  });

  it('rejects a step with neither do nor parallel', () => {
    const text = `${head}steps:\n  - id: a\n    with: { sql: x }\n`;
    expectProblem(text, {
      path: 'steps[0].do',
      at: 'id: a',
      message: /missing required key `do`/,
      hint: /add `do:`/,
    });
  });

  it('rejects a checklist naming a missing step', () => {
    const text = `${head}steps:\n  - id: migrate\n    do: sql.exec\nchecklist:\n  - { item: Done, step: migrat }\n`;
    expectProblem(text, {
      path: 'checklist[0].step',
      at: 'step: migrat',
      message: /checklist names step `migrat`/,
      hint: /did you mean `migrate`/,
    });
  });

  it('rejects an expression reading a step that does not come before it', () => {
    const text = `${head}steps:
  - id: a
    do: sql.exec
    with: { sql: "select \${{ steps.b.output.n }}" }
  - id: b
    do: sql.exec
`;
    expectProblem(text, {
      path: 'steps[0].with.sql',
      at: 'sql:',
      message: /step `b` does not come before step `a`/,
      hint: /settles before/,
    });
  });

  it('rejects reading the output of a concurrent branch', () => {
    const text = `${head}steps:
  - id: block
    parallel:
      - id: left
        steps:
          - { id: l1, do: sql.exec }
      - id: right
        steps:
          - { id: r1, do: sql.exec, with: { sql: "\${{ steps.l1.output.x }}" } }
`;
    expectProblem(text, {
      path: 'steps[0].parallel[1].steps[0].with.sql',
      at: 'sql:',
      message: /step `l1` does not come before step `r1`/,
      hint: /settles before/,
    });
  });

  it("rejects a with failing the action's schema (values without expressions)", () => {
    const text = `${head}steps:
  - id: a
    do: database.recreate
    with: { name: "\${{ params.database }}", terminate_connections: "yes", nmae: x }
`;
    const error = rejected(text);
    expectProblem(text, {
      path: 'steps[0].with.terminate_connections',
      at: 'terminate_connections',
      message: /database\.recreate: expected boolean, received string/,
      hint: /write a boolean/,
    });
    expectProblem(text, {
      path: 'steps[0].with.nmae',
      at: 'nmae',
      message: /unknown argument of database\.recreate `nmae`/,
      hint: /did you mean `name`/,
    });
    // The expression-valued `name` is not validated now: it resolves at run time.
    expect(error.problems).toHaveLength(2);
  });

  it('rejects a missing required action argument', () => {
    const text = `${head}steps:\n  - id: a\n    do: files.absent\n    with: { patterns: [x] }\n`;
    expectProblem(text, {
      path: 'steps[0].with.path',
      at: 'with:',
      message: /missing required argument of files\.absent `path`/,
      hint: /add `path:`/,
    });
  });

  it('rejects a malformed expression root', () => {
    const text = `${head}steps:\n  - id: a\n    do: sql.exec\n    with: { sql: "\${{ param.database }}" }\n`;
    expectProblem(text, {
      path: 'steps[0].with.sql',
      at: 'sql:',
      message: /must start with one of params, steps, run, env/,
      hint: /params\.<name>/,
    });
  });

  it('rejects a default that does not fit its type', () => {
    const text = `procedure: demo\nparams:\n  n: { type: integer, default: many }\n  u: { type: url, default: "http://x" }\nsteps:\n  - { id: a, do: sql.exec }\n`;
    expectProblem(text, {
      path: 'params.n.default',
      at: 'default: many',
      message: /expected an integer, got string/,
      hint: /whole number/,
    });
    expectProblem(text, {
      path: 'params.u.default',
      at: 'default: "http',
      message: /not a PostgreSQL URL/,
      hint: /postgres:\/\//,
    });
  });

  it('rejects a bad procedure name and a reserved step id', () => {
    const text = `procedure: Demo_1\nsteps:\n  - { id: completed, do: sql.exec }\n`;
    expectProblem(text, {
      path: 'procedure',
      at: 'procedure',
      message: /`Demo_1` must be lower-case/,
      hint: /local-equivalence/,
    });
    expectProblem(text, {
      path: 'steps[0].id',
      at: 'id: completed',
      message: /reserved/,
      hint: /rename/,
    });
  });

  it('rejects on_error in finally and on_error into a branch', () => {
    const text = `${head}steps:
  - { id: a, do: sql.exec, on_error: l1 }
  - id: block
    parallel:
      - id: left
        steps: [{ id: l1, do: sql.exec }]
finally:
  - { id: f, do: sql.exec, on_error: a }
`;
    expectProblem(text, {
      path: 'finally[0].on_error',
      at: 'on_error: a',
      message: /unknown key `on_error`/,
      hint: /allowed: id, do, with, description/,
    });
    expectProblem(text, {
      path: 'steps[0].on_error',
      at: 'on_error: l1',
      message: /inside a parallel block/,
      hint: /main sequence/,
    });
  });

  it('reports every problem at once, in file order', () => {
    const text = `${head}steps:
  - id: a
    do: sql.exce
  - id: a
    do: database.recreate
    with: { name: "\${{ params.nope }}" }
checklist:
  - { item: x, step: zzz }
`;
    const error = rejected(text);
    expect(error.problems.map((p) => p.path)).toEqual([
      'steps[0].do',
      'steps[1].id',
      'steps[1].with.name',
      'checklist[0].step',
    ]);
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('rejects an empty file, a non-mapping and several documents', () => {
    for (const text of ['', '- just\n- a list\n']) {
      const error = rejected(text);
      expect(error.message).toBe(
        `${FILE}:1:1: a procedure file must be a YAML mapping (start with \`procedure: <name>\` followed by \`steps:\`)`,
      );
    }
    const error = rejected('procedure: a\nsteps: []\n---\nprocedure: b\n');
    expect(error.problems[0]!.message).toMatch(/YAML syntax error: .*multiple documents/);
    expect(error.problems[0]!.position).toMatchObject({ file: FILE, line: 3 });
  });
});

describe('maps where a scalar belongs, with keys that shadow toString and valueOf', () => {
  // `String()` throws on such a map; the loader must still answer with positioned problems.
  const shadow = '{ toString: 0, valueOf: 0 }';
  const cases: [string, string][] = [
    ['step id', `steps:\n  - id: ${shadow}\n    do: sql.exec\n    with: { sql: SELECT 1 }\n`],
    ['action', `steps:\n  - id: a\n    do: ${shadow}\n    with: { sql: SELECT 1 }\n`],
    [
      'branch id',
      `steps:\n  - id: p\n    parallel:\n      - id: ${shadow}\n        steps:\n          - { id: a, do: sql.exec, with: { sql: SELECT 1 } }\n`,
    ],
    [
      'param type',
      `params:\n  x: { type: ${shadow}, default: 1 }\nsteps:\n  - { id: a, do: sql.exec, with: { sql: SELECT 1 } }\n`,
    ],
    ['authority', `steps:\n  - { id: a, do: sql.exec, with: { sql: SELECT 1 } }\n`],
  ];
  for (const [what, body] of cases) {
    it(`${what}: rejected with positions, nothing thrown`, () => {
      const text =
        what === 'authority'
          ? `procedure: demo\nrequires: { authority: ${shadow}, role: staging }\n${body}`
          : `procedure: demo\nrequires: { authority: local, role: staging }\n${body}`;
      const error = rejected(text);
      expect(error.problems.length).toBeGreaterThan(0);
      for (const p of error.problems) expect(p.position?.file).toBe(FILE);
    });
  }
});
