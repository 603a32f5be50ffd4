/**
 * The owner API credential a command sends: `--token T`, else the
 * environment variable `SB_TOKEN` (which keeps it out of the shell history
 * and the process list). Commands that call a node's owner API add
 * `token: 'string'` to their flags and send `authorization(…)` as headers.
 */
export const TOKEN_ENV = 'SB_TOKEN';

/** The token given by flag or environment; undefined when neither has one. */
export function tokenFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const token = flag ?? env[TOKEN_ENV];
  return token === undefined || token === '' ? undefined : token;
}

/** The request headers carrying `token` (none without one: the node then answers CREDENTIAL_MISSING). */
export function authorization(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
