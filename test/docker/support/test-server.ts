import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import pino from 'pino';
import { dataDirLayout } from '../../../src/config/data-dir.js';
import { resolveServerConfig } from '../../../src/config/server-config.js';
import type { ContainerEngine } from '../../../src/runs/container-engine.js';
import { startServer, type RunningServer } from '../../../src/server/start-server.js';

export const CLI = resolve(import.meta.dirname, '../../../bin/lyceum.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TestServer {
  url: string;
  apiKey: string;
  dataDir: string;
  bucketDir: string;
  server: RunningServer;
  /** Runs the lyceum CLI against this server; never throws on a non-zero exit. */
  cli(
    args: string[],
    options?: { input?: string; env?: Record<string, string>; cwd?: string },
  ): Promise<CliResult>;
  /**
   * Runs a bash script in which `lyceum` is the CLI against this server, for pipes and
   * redirections; `args` are the script's `$1`, `$2` and so on. Never throws on a non-zero exit.
   */
  shell(script: string, args?: string[]): Promise<CliResult>;
  /** Sends a request to a path under /api/v2/external with this server's key. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** The server log so far, as text. */
  log(): Promise<string>;
  /** Stops the server, leaving the data directory for a restart. */
  stop(): Promise<void>;
  /** Starts a new server process on the same data directory. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a real server in this process on a free loopback port with a fresh data directory, and
 * a one-second stop grace so timeouts and aborts end quickly. The pull policy defaults to never,
 * so no test can make the engine reach for a registry.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; engine?: ContainerEngine } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-test-'));
  const logPath = join(dataDir, 'server.log');
  const env = {
    LYCEUM_STOP_GRACE: '1',
    LYCEUM_DEFAULT_PULL_POLICY: 'never',
    ...options.env,
  };
  // A restart listens on the port of the first start, so CLIs that follow a run can reconnect.
  const launch = (port = 0) =>
    startServer(resolveServerConfig({ host: '127.0.0.1', port, s3Port: 0, dataDir }, env), {
      logger: pino(
        { level: 'debug' },
        pino.destination({ dest: logPath, append: true, sync: true }),
      ),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });

  let server = await launch();
  const apiKey = (await readFile(dataDirLayout(dataDir).localKey, 'utf8')).trim();
  let stopped = false;

  const handle: TestServer = {
    get url() {
      return server.url;
    },
    apiKey,
    dataDir,
    bucketDir: join(dataDirLayout(dataDir).buckets, 'lyceum-default'),
    get server() {
      return server;
    },
    cli: async (args, cliOptions = {}) => {
      const result = await execa('node', [CLI, ...args], {
        reject: false,
        input: cliOptions.input ?? '',
        cwd: cliOptions.cwd ?? dataDir,
        env: {
          LYCEUM_API_URL: server.url,
          LYCEUM_API_KEY: apiKey,
          LYCEUM_CONFIG: join(dataDir, 'cli-config.json'),
          ...cliOptions.env,
        },
      });
      return {
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout),
        stderr: String(result.stderr),
      };
    },
    shell: async (script, args = []) => {
      const cli = `lyceum() { "${process.execPath}" "${CLI}" "$@"; }\n`;
      const result = await execa('bash', ['-c', cli + script, 'bash', ...args], {
        reject: false,
        cwd: dataDir,
        env: {
          LYCEUM_API_URL: server.url,
          LYCEUM_API_KEY: apiKey,
          LYCEUM_CONFIG: join(dataDir, 'cli-config.json'),
        },
      });
      return {
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout),
        stderr: String(result.stderr),
      };
    },
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${apiKey}`);
      return fetch(`${server.url}/api/v2/external${path}`, { ...init, headers });
    },
    log: () => readFile(logPath, 'utf8').catch(() => ''),
    stop: async () => {
      stopped = true;
      await server.close();
    },
    restart: async () => {
      if (!stopped) await server.close();
      server = await launch(Number(new URL(server.url).port));
      stopped = false;
    },
    [Symbol.asyncDispose]: async () => {
      if (!stopped) await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Polls the status route until the run reaches a terminal status. */
export async function waitForStatus(
  server: TestServer,
  runId: string,
  wanted: (status: string) => boolean = (status) =>
    ['completed', 'failed', 'timeout', 'aborted', 'system_failure'].includes(status),
  limitMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const response = await server.api(`/execution/streaming/${runId}/status`);
    const body = (await response.json()) as Record<string, unknown>;
    if (wanted(String(body.status))) return body;
    if (Date.now() > deadline) throw new Error(`Run ${runId} is still ${String(body.status)}.`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
  }
}
