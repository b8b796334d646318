import console from 'node:console';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeLabelledContainers } from './remove-containers.mjs';
import { runTimed } from './timed-command.mjs';

/** The Node entry of the CLI, which the server is started with. */
export const CLI_PATH = resolve(import.meta.dirname, '../../bin/lyceum.js');
/** The command users start the CLI with: a shell script that runs CLI_PATH with node. */
export const CLI_COMMAND = resolve(import.meta.dirname, '../../bin/lyceum');

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;
// The label lyceum puts on each container with the id of the server that started it.
const SERVER_LABEL = 'dev.lyceum.server';

/**
 * A `lyceum server` child process on 127.0.0.1 with ports the system picks, its data directory in
 * a temporary workspace, and the pull policy `never`, so no run can reach for a registry.
 */
export class BenchServer {
  constructor({ child, workspace, logPath }) {
    this.child = child;
    this.pid = child.pid;
    this.url = undefined;
    this.apiKey = undefined;
    this.logPath = logPath;
    this.dataDir = workspace.dataDir;
    this.bucketDir = join(workspace.dataDir, 'buckets', 'lyceum-default');
    this.configPath = join(workspace.root, 'cli-config.json');
    this.stopped = false;
  }

  /** Starts the server process. Register `stop` before awaiting `waitUntilListening`. */
  static spawn(workspace) {
    const logPath = join(workspace.root, 'server.log');
    const logFd = openSync(logPath, 'a');
    const args = [
      ...['server', '--host', '127.0.0.1', '--port', '0', '--s3-port', '0'],
      ...['--data-dir', workspace.dataDir],
    ];
    const child = spawn(CLI_COMMAND, args, {
      stdio: ['ignore', logFd, logFd],
      env: { ...environmentWithoutLyceum(), LYCEUM_DEFAULT_PULL_POLICY: 'never' },
    });
    closeSync(logFd);

    return new BenchServer({ child, workspace, logPath });
  }

  /** Waits until the server listens, then reads its address and the key it left for the CLI. */
  async waitUntilListening() {
    this.url = await waitForListening(this.child, this.logPath);
    this.apiKey = (await readFile(join(this.dataDir, 'local-cli-key'), 'utf8')).trim();
  }

  /** Runs the lyceum CLI against this server and returns its wall time and output, as `runTimed` does. */
  cli(args, options = {}) {
    const env = {
      ...environmentWithoutLyceum(),
      LYCEUM_API_URL: this.url,
      LYCEUM_API_KEY: this.apiKey,
      LYCEUM_CONFIG: this.configPath,
    };
    return runTimed(CLI_COMMAND, args, { ...options, env });
  }

  /**
   * Sends SIGTERM to the server's pid, and SIGKILL if it has not exited in time. A stopped server
   * leaves its runs' containers running, so this then removes the containers this server started.
   * There are some only when a benchmark was interrupted during a run.
   */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopProcess();
    const serverId = await readFile(join(this.dataDir, 'server-id'), 'utf8').catch(() => '');
    if (serverId.trim() === '') return;
    const removed = await removeLabelledContainers(SERVER_LABEL, serverId.trim());
    if (removed > 0) console.error(`Removed ${removed} container(s) the server left running.`);
  }

  async stopProcess() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.kill('SIGTERM');
    const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
    if ((await Promise.race([exited, timer])) === 'timeout') {
      console.error(
        `The server (pid ${this.pid}) did not stop within ${STOP_TIMEOUT_MS} ms, so it gets SIGKILL.`,
      );
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Copies the inherited environment without LYCEUM_* variables, so the user's settings stay out. */
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
  throw new Error(`The server did not listen within ${START_TIMEOUT_MS} ms. See ${logPath}.`);
}

function findListeningAddress(log) {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    const entry = JSON.parse(line);
    if (entry.msg === 'Lyceum server listening') return entry.address;
  }
  return undefined;
}

/** Keeps the server's JSON log lines and drops the plain-text banner, because it shows the API key. */
function structuredLines(log) {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .join('\n');
}
