/**
 * Param names that hold a secret whatever the procedure says: `password`, `db_pass`,
 * `passphrase`, `api_token`, `client_secret`, `credentials`, `private_key`, `auth`,
 * `basicAuth`, `sentry_dsn`, … (case-insensitive).
 */
const SECRET_NAME =
  /pass(word|wd|phrase)?($|[^a-z])|pwd|secret|token|credential|api_?key|private_?key/i;

/**
 * Secret words that are only secret as a whole word of the name (`auth` but not `author` or
 * `authority`, `dsn` but not `dsname`), after splitting camelCase (`basicAuth` is `basic_auth`).
 */
const SECRET_WORD = /(^|[^a-z])(auth|authorization|dsn|creds?)($|[^a-z])/;

/** True when `name` reads as the name of a secret (see {@link SECRET_NAME}, {@link SECRET_WORD}). */
export function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return SECRET_NAME.test(name) || SECRET_WORD.test(words);
}

/**
 * Whether a param is secret: declared `secret: true`, or a `string`, `url`, `list` or `map` param
 * named like a secret and not declared `secret: false` (the explicit opt-out, e.g. for a
 * `token_kind`). A secret list or map hides every string inside it. Numbers, booleans and paths
 * are secret only when declared so.
 */
export function isSecretParam(
  name: string,
  declared: boolean | undefined,
  type: string | undefined,
): boolean {
  return (
    declared ??
    ((type === 'string' || type === 'url' || type === 'list' || type === 'map') &&
      isSecretName(name))
  );
}
