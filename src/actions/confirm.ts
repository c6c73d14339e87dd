import * as z from 'zod';
import { StepError } from '../errors.js';
import { defineAction } from './types.js';

const params = z
  .strictObject({
    gate: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and -')
      .describe('Name of the gate, e.g. prod'),
    message: z.string().min(1).describe('What is being confirmed (shown when it is not)'),
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional()
      .describe(
        'Environment variable that confirms when it equals "true" (prod: CONFIRM_PROD_MIGRATIONS)',
      ),
  })
  .describe('confirm arguments');

/** The flag that confirms `gate` on the command line. */
function flagOf(gate: string): string {
  return gate === 'prod' ? '--confirm-prod' : `--confirm ${gate}`;
}

/**
 * `confirm`: a gate. Passes when the invocation confirmed `gate` (ctx.confirmations, e.g. from
 * --confirm-prod) or the environment variable `env` (default for `prod`:
 * CONFIRM_PROD_MIGRATIONS) equals `true` (read from `ctx.gateEnv` when the engine gives one: a
 * fleet's driver gives the variables its creating shell confirmed); otherwise fails with CONFIRMATION_REQUIRED, naming the
 * flag and the variable (the CLI exits 3). Writes nothing; safe to re-run. Output `{ gate, via }`.
 */
export const confirm = defineAction({
  name: 'confirm',
  summary: 'A gate passed only with a confirmation flag or environment variable',
  params,
  writes: false,
  async run(ctx, p) {
    const variable = p.env ?? (p.gate === 'prod' ? 'CONFIRM_PROD_MIGRATIONS' : undefined);
    // A fleet's driver reads the variables its creating shell confirmed, none of its own.
    const source = ctx.gateEnv ?? ctx.env;
    if (ctx.confirmations.has(p.gate)) {
      return { output: { gate: p.gate, via: 'flag' }, summary: `${p.gate} confirmed by flag` };
    }
    if (variable !== undefined && source[variable]?.trim() === 'true') {
      return {
        output: { gate: p.gate, via: variable },
        summary: `${p.gate} confirmed by ${variable}=true`,
      };
    }
    const how = ctx.gateEnv
      ? `pass ${flagOf(p.gate)} to \`runbook fleet resume\`${variable ? ` (${variable}=true counts only in the shell that creates the fleet)` : ''}`
      : variable
        ? `pass ${flagOf(p.gate)} or set ${variable}=true`
        : `pass ${flagOf(p.gate)}`;
    throw new StepError('CONFIRMATION_REQUIRED', `${p.message} — not confirmed: ${how}`, {
      hint: ctx.gateEnv ? how : `${how}, then resume the run`,
      data: { gate: p.gate, flag: flagOf(p.gate), ...(variable ? { env: variable } : {}) },
    });
  },
});
