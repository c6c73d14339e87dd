import { InvalidInputError, type InputProblem } from '../errors.js';
import { positionOf } from '../procedure/key-path.js';
import { nearestName } from '../procedure/nearest-name.js';
import { checkParamValue } from '../procedure/param-value.js';
import type { Procedure } from '../procedure/types.js';
import type { ProjectConfig } from './load-config.js';

/**
 * The params a run takes, as `--param` text: the config's defaults for this procedure (checked
 * against its declared params and types, paths resolved against the config's directory), then
 * the `--param` flags over them. A config entry the procedure does not declare, a value of the
 * wrong type or one for a secret param is an {@link InvalidInputError} naming the config file,
 * line and key; nothing runs.
 */
export function paramsWithConfig(
  procedure: Procedure,
  config: ProjectConfig,
  flags: Readonly<Record<string, string>>,
): Record<string, string> {
  const defaults = config.params[procedure.name] ?? {};
  const problems: InputProblem[] = [];
  const out: Record<string, string> = {};
  const declared = Object.keys(procedure.params);
  for (const [name, value] of Object.entries(defaults)) {
    if (Object.hasOwn(flags, name)) continue;
    const key = `params.${procedure.name}.${name}`;
    const where = { path: key, position: positionOf(config.positions, key) };
    const spec = Object.hasOwn(procedure.params, name) ? procedure.params[name] : undefined;
    if (!spec) {
      const near = nearestName(name, declared);
      problems.push({
        ...where,
        message: `procedure ${procedure.name} declares no param \`${name}\``,
        hint: near
          ? `did you mean \`${near}\`?`
          : `declared params: ${declared.join(', ') || 'none'}`,
      });
      continue;
    }
    if (spec.secret) {
      problems.push({
        ...where,
        message: `\`${name}\` is a secret param; a config file is committed, so it takes none`,
        hint: `pass it with --param ${name}=...`,
      });
      continue;
    }
    const checked = checkParamValue(spec.type, value, config.dir);
    if ('problem' in checked) {
      problems.push({
        ...where,
        message: `param \`${name}\` is declared ${spec.type}: ${checked.problem.message}`,
        hint: checked.problem.hint,
      });
      continue;
    }
    // As JSON, which `--param` reads as YAML back to the same value.
    out[name] = JSON.stringify(checked.value);
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return { ...out, ...flags };
}
