import { execa } from 'execa';
import type { ComposeVersion } from '../config/server-config.js';
import { SystemFailureError } from '../errors/index.js';
import { ExecaComposeCli, type ComposeCli } from './compose-cli.js';

const COMMANDS = {
  v2: ['docker', 'compose'],
  v1: ['docker-compose'],
} as const;

const VERSION_TIMEOUT_MS = 30_000;

/**
 * Finds the Compose to run: v2 (`docker compose`) first, then v1 (`docker-compose`), or only the
 * one `preference` names. Throws SystemFailureError when none runs.
 */
export async function detectComposeCli(
  preference: ComposeVersion,
  env: Readonly<Record<string, string>>,
): Promise<ExecaComposeCli> {
  const candidates = preference === 'auto' ? (['v2', 'v1'] as const) : [preference];
  const failures: string[] = [];
  for (const candidate of candidates) {
    const command = COMMANDS[candidate];
    const [file, ...args] = command;
    const result = await execa(file, [...args, 'version', '--short'], {
      env,
      extendEnv: false,
      reject: false,
      timeout: VERSION_TIMEOUT_MS,
      stdin: 'ignore',
    });
    if (!result.failed) return new ExecaComposeCli(command, String(result.stdout).trim(), env);
    failures.push(`"${command.join(' ')} version" failed: ${result.shortMessage}`);
  }
  throw new SystemFailureError(
    `Compose is not installed on the server (${failures.join('; ')}). Install the Compose v2 ` +
      'plugin or docker-compose (scripts/setup-host.sh installs both), or set ' +
      'LYCEUM_COMPOSE_VERSION to the one that is installed.',
  );
}

/**
 * Returns a function that detects Compose on its first call and then returns the same result. A
 * failed detection is not kept, so a Compose installed while the server runs is found later.
 */
export function composeCliFinder(
  preference: ComposeVersion,
  env: Readonly<Record<string, string>>,
): () => Promise<ComposeCli> {
  let found: Promise<ComposeCli> | undefined;
  return () => {
    found ??= detectComposeCli(preference, env).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}
