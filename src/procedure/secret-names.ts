/**
 * Param names that hold a secret whatever the procedure says: `password`, `db_pass`, `api_token`,
 * `client_secret`, `credentials`, `private_key`, … (case-insensitive, anywhere in the name).
 */
const SECRET_NAME = /pass(word|wd)?($|[^a-z])|pwd|secret|token|credential|api_?key|private_?key/i;

/**
 * Whether a param is secret: declared `secret: true`, or a `string` / `url` param named like a
 * secret and not declared `secret: false` (the explicit opt-out, e.g. for a `token_kind`). Numbers,
 * booleans, paths, lists and maps are secret only when declared so.
 */
export function isSecretParam(
  name: string,
  declared: boolean | undefined,
  type: string | undefined,
): boolean {
  return declared ?? ((type === 'string' || type === 'url') && SECRET_NAME.test(name));
}
