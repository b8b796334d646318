import type { ComposeVariables } from './interpolate.js';

/** Variables that tell the docker CLI where the engine is and where its configuration lives. */
export const PASSED_VARIABLES = [
  'PATH',
  'HOME',
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
];

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Builds the environment of every `docker compose` process from the server's environment.
 * Compose replaces `${VAR}` in a Compose file with these variables, so only the few that the
 * docker CLI needs are passed, never the server's own settings or secrets.
 */
export function composeEnvironment(env: NodeJS.ProcessEnv): ComposeVariables {
  const picked: Record<string, string> = {};
  for (const name of PASSED_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  picked.PATH ??= DEFAULT_PATH;
  return picked;
}
