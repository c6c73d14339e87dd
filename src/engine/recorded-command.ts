import type { JsonValue } from '../json.js';
import { redactUrl } from '../postgres/url.js';
import type { Procedure } from '../procedure/types.js';
import { redactJson } from '../postgres/redact.js';
import { secretValues } from '../procedure/redact-params.js';

/**
 * The command line as recorded (lock file, log): URL passwords and secret param values masked.
 */
export function recordedCommand(
  command: string,
  procedure: Procedure,
  params: Record<string, JsonValue>,
): string {
  return redactJson(redactUrl(command), secretValues(procedure, params)) as string;
}
