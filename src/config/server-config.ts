import { parseComposeAllowances, type ComposeAllowance } from '../compose/compose-allowances.js';
import { composeEnvironment } from '../compose/compose-environment.js';
import type { ComposeVariables } from '../compose/interpolate.js';
import { InvalidInputError } from '../errors/index.js';
import { defaultDataDir } from './data-dir.js';

export type PullPolicy = 'never' | 'missing' | 'always';
export const PULL_POLICIES: readonly PullPolicy[] = ['never', 'missing', 'always'];

/** The Compose release that runs Compose files: `auto` tries v2 (`docker compose`), then v1 (`docker-compose`). */
export type ComposeVersion = 'auto' | 'v2' | 'v1';
export const COMPOSE_VERSIONS: readonly ComposeVersion[] = ['auto', 'v2', 'v1'];

/** The levels of pino, the server's logger. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything the server needs to start; built once, at the edge, from flags and environment. */
export interface ServerConfig {
  host: string;
  port: number;
  s3Port: number;
  dataDir: string;
  /** The base URL that clients are given in `streaming_url`; undefined means http://HOST:PORT as listened on. */
  publicUrl: string | undefined;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  defaultPullPolicy: PullPolicy;
  /** Seconds between the graceful stop signal and the kill when a run is stopped. */
  stopGraceSeconds: number;
  maxUploadBytes: number;
  /** Run streams (Server-Sent Events) one account may hold open at once. */
  maxStreamsPerAccount: number;
  /** The region the S3 endpoint reports and hands out with credentials. */
  s3Region: string;
  /** The S3 endpoint URL handed out with credentials; undefined means http://127.0.0.1:S3_PORT. */
  s3PublicUrl: string | undefined;
  /** Multipart uploads with no activity for this long are removed, in seconds. */
  multipartMaxIdleSeconds: number;
  /** The S3 endpoint URL handed to runs; undefined means the listener on the Docker bridge gateway. */
  s3PublicUrlForRuns: string | undefined;
  /** The image of Python runs that name none. */
  defaultPythonImage: string;
  logLevel: LogLevel;
  /** The network Docker and Python runs join; undefined lets the server choose (see run-network.ts). */
  runNetwork: string | undefined;
  composeVersion: ComposeVersion;
  /** Kinds of host access that Compose files may have, all rejected by default. */
  composeAllowances: ComposeAllowance[];
  /** The environment of `docker compose` processes, which also fills `${VAR}` in Compose files. */
  composeEnvironment: ComposeVariables;
}

export interface ServerFlags {
  host?: string | undefined;
  port?: string | number | undefined;
  s3Port?: string | number | undefined;
  dataDir?: string | undefined;
  publicUrl?: string | undefined;
}

/** Builds the server configuration: flags first, then `LYCEUM_*` variables, then defaults. */
export function resolveServerConfig(
  flags: ServerFlags,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const host = flags.host ?? env.LYCEUM_HOST ?? '127.0.0.1';
  const port = parsePort('--port', flags.port, 'LYCEUM_PORT', env.LYCEUM_PORT, 8790);
  const s3Port = parsePort('--s3-port', flags.s3Port, 'LYCEUM_S3_PORT', env.LYCEUM_S3_PORT, 8791);
  const maxTimeoutSeconds = parseSeconds('LYCEUM_MAX_TIMEOUT', env.LYCEUM_MAX_TIMEOUT, 86_400);
  const defaultPullPolicy = (env.LYCEUM_DEFAULT_PULL_POLICY ?? 'missing') as PullPolicy;
  if (!PULL_POLICIES.includes(defaultPullPolicy)) {
    throw new InvalidInputError(
      `LYCEUM_DEFAULT_PULL_POLICY ${JSON.stringify(defaultPullPolicy)} is invalid; use never, missing or always.`,
    );
  }
  const composeVersion = (env.LYCEUM_COMPOSE_VERSION || 'auto') as ComposeVersion;
  if (!COMPOSE_VERSIONS.includes(composeVersion)) {
    throw new InvalidInputError(
      `LYCEUM_COMPOSE_VERSION ${JSON.stringify(composeVersion)} is invalid; use auto, v2 or v1.`,
    );
  }
  const logLevel = (env.LYCEUM_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new InvalidInputError(
      `LYCEUM_LOG_LEVEL ${JSON.stringify(logLevel)} is invalid; use ${LOG_LEVELS.slice(0, -1).join(', ')} or silent.`,
    );
  }
  const config: ServerConfig = {
    host,
    port,
    s3Port,
    dataDir: flags.dataDir ?? defaultDataDir(env),
    publicUrl: (flags.publicUrl ?? env.LYCEUM_PUBLIC_URL)?.replace(/\/+$/, ''),
    // Without an explicit default, a lowered maximum also lowers the default.
    defaultTimeoutSeconds: parseSeconds(
      'LYCEUM_DEFAULT_TIMEOUT',
      env.LYCEUM_DEFAULT_TIMEOUT,
      Math.min(3600, maxTimeoutSeconds),
    ),
    maxTimeoutSeconds,
    defaultPullPolicy,
    stopGraceSeconds: parsePositive('LYCEUM_STOP_GRACE', env.LYCEUM_STOP_GRACE, 10),
    s3Region: env.LYCEUM_S3_REGION || 'us-east-1',
    defaultPythonImage: env.LYCEUM_PYTHON_IMAGE || 'python:3.12-slim',
    s3PublicUrlForRuns: env.LYCEUM_S3_URL_FOR_RUNS?.replace(/\/+$/, '') || undefined,
    s3PublicUrl: env.LYCEUM_S3_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    multipartMaxIdleSeconds: parseSeconds(
      'LYCEUM_MULTIPART_MAX_IDLE',
      env.LYCEUM_MULTIPART_MAX_IDLE,
      86_400,
    ),
    maxUploadBytes: parsePositive(
      'LYCEUM_MAX_UPLOAD_BYTES',
      env.LYCEUM_MAX_UPLOAD_BYTES,
      5 * 1024 ** 4,
    ),
    maxStreamsPerAccount: parseAtLeastOne(
      'LYCEUM_MAX_STREAMS_PER_ACCOUNT',
      env.LYCEUM_MAX_STREAMS_PER_ACCOUNT,
      256,
    ),
    logLevel,
    runNetwork: parseRunNetwork(env.LYCEUM_RUN_NETWORK),
    composeVersion,
    composeAllowances: parseComposeAllowances(env.LYCEUM_COMPOSE_ALLOW),
    composeEnvironment: composeEnvironment(env),
  };
  if (config.defaultTimeoutSeconds > config.maxTimeoutSeconds) {
    throw new InvalidInputError(
      `The default timeout (${config.defaultTimeoutSeconds} s) is above the maximum ` +
        `(${config.maxTimeoutSeconds} s); lower LYCEUM_DEFAULT_TIMEOUT or raise LYCEUM_MAX_TIMEOUT.`,
    );
  }
  return config;
}

/** Reads a port from its flag, else its variable (an empty variable counts as unset), else the default. */
function parsePort(
  flagName: string,
  flagValue: string | number | undefined,
  variableName: string,
  variableValue: string | undefined,
  fallback: number,
): number {
  const [name, value] =
    flagValue !== undefined
      ? [flagName, flagValue]
      : variableValue !== undefined && variableValue !== ''
        ? [variableName, variableValue]
        : [flagName, fallback];
  const port = Number(value);
  if (value === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidInputError(
      `${name} ${JSON.stringify(value)} is not a port; use 1 to 65535, or 0 for any free port.`,
    );
  }
  return port;
}

/** Reads a whole number of seconds, at least 1, from a variable; empty counts as unset. */
function parseSeconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new InvalidInputError(
      `${name} ${JSON.stringify(value)} is not a number of seconds; give a plain number, such as 600.`,
    );
  }
  if (parsed < 1) {
    throw new InvalidInputError(`${name} ${JSON.stringify(value)} must be at least 1 second.`);
  }
  return parsed;
}

/** Reads a count of at least 1 from a variable; empty counts as unset. */
function parseAtLeastOne(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidInputError(
      `${name} ${JSON.stringify(value)} must be a whole number, at least 1.`,
    );
  }
  return parsed;
}

function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidInputError(`${name} ${JSON.stringify(value)} must be a non-negative number.`);
  }
  return parsed;
}

/**
 * Reads the network runs join. `host` would give runs the server's own network stack, and `none`
 * or a container's network would cut Python runs off from the S3 endpoint.
 */
function parseRunNetwork(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value) || ['host', 'none', 'default'].includes(value)) {
    throw new InvalidInputError(
      `LYCEUM_RUN_NETWORK ${JSON.stringify(value)} is not a network runs can join; name a bridge ` +
        'network of the engine (letters, digits, "_", "." and "-"), or leave it unset.',
    );
  }
  return value;
}
