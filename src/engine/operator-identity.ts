import os from 'node:os';

/** The one identity string recorded for operator actions: `$USER@host`. */
export function operatorIdentity(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  let user = env.USER ?? env.USERNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}
