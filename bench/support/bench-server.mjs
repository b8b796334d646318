import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTimed } from './timed-command.mjs';

export const CLI_PATH = resolve(import.meta.dirname, '../../bin/lyceum.js');

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;

/**
 * A `lyceum server` child process on 127.0.0.1 with a port the system picks, its data directory
 * in a temporary workspace, and the pull policy `never`, so no run can reach for a registry.
 */
export class BenchServer {
  constructor({ child, url, apiKey, workspace, logPath }) {
    this.child = child;
    this.pid = child.pid;
    this.url = url;
    this.apiKey = apiKey;
    this.logPath = logPath;
    this.bucketDir = join(workspace.dataDir, 'buckets', 'lyceum-default');
    this.configPath = join(workspace.root, 'cli-config.json');
    this.stopped = false;
  }

  static async start(workspace) {
    const logPath = join(workspace.root, 'server.log');
    const logFd = openSync(logPath, 'a');
    const args = ['server', '--host', '127.0.0.1', '--port', '0', '--data-dir', workspace.dataDir];
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      stdio: ['ignore', logFd, logFd],
      env: { ...environmentWithoutLyceum(), LYCEUM_DEFAULT_PULL_POLICY: 'never' },
    });
    closeSync(logFd);

    const server = new BenchServer({
      child,
      url: undefined,
      apiKey: undefined,
      workspace,
      logPath,
    });
    try {
      server.url = await waitForListening(child, logPath);
      server.apiKey = (await readFile(join(workspace.dataDir, 'local-cli-key'), 'utf8')).trim();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Runs the lyceum CLI against this server and returns its wall time; see `runTimed`. */
  cli(args, options = {}) {
    const env = {
      ...environmentWithoutLyceum(),
      LYCEUM_API_URL: this.url,
      LYCEUM_API_KEY: this.apiKey,
      LYCEUM_CONFIG: this.configPath,
    };
    return runTimed(process.execPath, [CLI_PATH, ...args], { ...options, env });
  }

  /** Sends SIGTERM to the server's pid, and SIGKILL if it has not exited in time. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.kill('SIGTERM');
    const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
    if ((await Promise.race([exited, timer])) === 'timeout') {
      console.error(
        `The server (pid ${this.pid}) did not stop within ${STOP_TIMEOUT_MS} ms; killing it.`,
      );
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** The inherited environment minus LYCEUM_* variables, so the user's settings cannot leak in. */
function environmentWithoutLyceum() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LYCEUM_')),
  );
}

/** Polls the server log for the "listening" line and returns its address. */
async function waitForListening(child, logPath) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const log = await readFile(logPath, 'utf8');
    const address = findListeningAddress(log);
    if (address !== undefined) return address;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The server exited before listening. Its log:\n${structuredLines(log)}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`The server did not listen within ${START_TIMEOUT_MS} ms; see ${logPath}.`);
}

function findListeningAddress(log) {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    const entry = JSON.parse(line);
    if (entry.msg === 'Lyceum server listening') return entry.address;
  }
  return undefined;
}

/** The server's JSON log lines; the plain-text banner is left out because it shows the API key. */
function structuredLines(log) {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .join('\n');
}
