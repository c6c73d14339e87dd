/**
 * Param names that hold a secret whatever the procedure says: `password`, `db_pass`, `api_token`,
 * `client_secret`, `credentials`, `private_key`, … (case-insensitive, anywhere in the name).
 */
const SECRET_NAME = /pass(word|wd)?($|[^a-z])|pwd|secret|token|credential|api_?key|private_?key/i;

/**
 * Whether a param is secret: declared `secret: true`, or named like a secret and not declared
 * `secret: false` (the explicit opt-out for, e.g., a `token_count`).
 */
export function isSecretParam(name: string, declared: boolean | undefined): boolean {
  return declared ?? SECRET_NAME.test(name);
}
