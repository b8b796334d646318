import {
  CommandNotRunnableError,
  ComposeStartFailedError,
  type LyceumError,
} from '../errors/index.js';

/** The engine's words when a container's command cannot be started, and the docker CLI's code. */
const NOT_RUNNABLE: [RegExp, 126 | 127][] = [
  [/exec: "[^"]*": executable file not found in \$PATH/, 127],
  [/exec: "[^"]*": (?:stat [^:]*: )?no such file or directory/, 127],
  [/exec: "[^"]*": permission denied/, 126],
];
/** The engine's words when a published port is taken on the host. */
const PORT_TAKEN =
  /\S+ failed: port is already allocated|listen \S+ \S+: bind: address already in use/;
/** The engine's words when a service requests a device driver or runtime it lacks, such as for GPUs. */
const MISSING_ENGINE_FEATURE =
  /could not select device driver "[^"]*" with capabilities: \S+|[Uu]nknown runtime specified \S+/;
/** Compose's words for the container it was starting (v2), or the service it could not start (v1). */
const STARTING: [RegExp, string][] = [
  [/Container (\S+)\s+Starting/g, 'Container'],
  [/Cannot start service (\S+):/g, 'Service'],
];

/** Compose's words when a dependency exits with an error, with its exit code: v2, then v1. */
const DEPENDENCY_EXITED = [
  /service "([^"]+)" didn't complete successfully: exit (\d+)/,
  /(Container "[^"]+") exited with code (\d+)/,
];
/** Compose's words when a dependency never becomes healthy or exits while others wait on it. */
const DEPENDENCY_FAILED = [
  /dependency failed to start: container (\S+) (is unhealthy|exited \(\d+\))/,
  /Container "([^"]+)" (is unhealthy)/,
];

/**
 * Returns the error for a failed `docker compose up` whose cause is in the user's project, which
 * ends the run as `failed`: a service command that cannot be started, or a dependency that exits
 * with an error or never becomes healthy. Returns undefined for any other failure, which stays a
 * failure of the server's side. `output` is Compose's output.
 */
export function userFaultInUp(output: string, cause: unknown): LyceumError | undefined {
  for (const [pattern, returnCode] of NOT_RUNNABLE) {
    const match = pattern.exec(output);
    if (match !== null) {
      const starting = startingService(output) ?? 'A service';
      return new CommandNotRunnableError(
        `${starting} could not start its command (${match[0]}); check its command and ` +
          'entrypoint in the Compose file.',
        returnCode,
        { cause },
      );
    }
  }
  const missing = MISSING_ENGINE_FEATURE.exec(output);
  if (missing !== null) {
    const starting = startingService(output) ?? 'A service';
    return new ComposeStartFailedError(
      `${starting} asks for a device driver or runtime that the server's Docker engine does not ` +
        `have (${missing[0]}); remove the request, such as "gpus" or "runtime", from the Compose ` +
        "file, or ask the server's operator which ones the engine has.",
      1,
      { cause },
    );
  }
  const port = PORT_TAKEN.exec(output);
  if (port !== null) {
    return new ComposeStartFailedError(
      `A port the file publishes is taken on the server (${port[0]}); choose another host ` +
        'port in "ports:", or leave the host port out to get a free one.',
      1,
      { cause },
    );
  }
  const exited = firstMatch(DEPENDENCY_EXITED, output);
  if (exited !== undefined) {
    const name = exited[1]!.startsWith('Container') ? exited[1] : `Service ${exited[1]}`;
    return new ComposeStartFailedError(
      `${name} exited with code ${exited[2]} before the services that depend on it started.`,
      Number(exited[2]),
      { cause },
    );
  }
  const failed = firstMatch(DEPENDENCY_FAILED, output);
  if (failed !== undefined) {
    const reason = failed[2] === 'is unhealthy' ? 'never became healthy' : failed[2];
    return new ComposeStartFailedError(
      `Container ${failed[1]} ${reason}, so the services that depend on it did not start; ` +
        'check its healthcheck and output.',
      1,
      { cause },
    );
  }
  return undefined;
}

function firstMatch(patterns: RegExp[], text: string): RegExpExecArray | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match !== null) return match;
  }
  return undefined;
}

/** Names the container or service Compose was starting last, as its output names it. */
function startingService(output: string): string | undefined {
  for (const [pattern, kind] of STARTING) {
    const last = [...output.matchAll(pattern)].at(-1);
    if (last !== undefined) return `${kind} ${last[1]}`;
  }
  return undefined;
}
