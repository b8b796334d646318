/* global fetch -- a Node.js global, which the ESLint config does not declare */
import console from 'node:console';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BenchServer, CLI_COMMAND } from './bench-server.mjs';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;
const CREDENTIALS_PATH = '/api/v2/external/storage/credentials';
// The lifetimes the server accepts for temporary credentials, in seconds.
const MIN_CREDENTIAL_SECONDS = 900;
const MAX_CREDENTIAL_SECONDS = 43_200;

// s3rver 3.7.1 accepts one hard-coded access key. It checks Signature Version 2 but not version 4,
// which the AWS SDK for JavaScript v3 uses, so the secret is never verified.
const S3RVER_ACCESS_KEY = 'S3RVER';
const S3RVER_REGION = 'us-east-1';

/**
 * Client settings that send and check checksums only where an operation requires them. With the
 * SDK's defaults (3.1178), a streamed body is sent `aws-chunked` with a CRC32 trailer, and a
 * presigned PutObject URL carries the CRC32 of an empty body.
 */
export const CHECKSUMS_WHEN_REQUIRED = {
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};

/**
 * A `lyceum server` child process for the S3 benchmarks. It is a BenchServer whose environment
 * points DOCKER_HOST at a socket path in the workspace that nothing listens on. The server then
 * finds no Docker engine, so it opens no S3 listener on the Docker bridge gateway and listens on
 * 127.0.0.1 only. The S3 endpoint needs no engine.
 */
export class LyceumS3Server extends BenchServer {
  static spawn(workspace) {
    const logPath = join(workspace.root, 'server.log');
    const logFd = openSync(logPath, 'a');
    const args = [
      ...['server', '--host', '127.0.0.1', '--port', '0', '--s3-port', '0'],
      ...['--data-dir', workspace.dataDir],
    ];
    const env = {
      ...environmentWithoutLyceum(),
      LYCEUM_DEFAULT_PULL_POLICY: 'never',
      DOCKER_HOST: `unix://${join(workspace.root, 'no-docker-engine.sock')}`,
    };
    const child = spawn(CLI_COMMAND, args, {
      stdio: ['ignore', logFd, logFd],
      env,
    });
    closeSync(logFd);
    return new LyceumS3Server({ child, workspace, logPath });
  }

  /** Stops the server process. It had no Docker engine, so it left no containers to remove. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    await stopChild(this.child, 'The lyceum server');
  }

  /**
   * Requests temporary S3 credentials through the REST API and returns the JSON reply: access_key,
   * secret_key, session_token, endpoint, bucket_name and region.
   */
  async issueCredentials(durationSeconds) {
    const duration = Math.min(
      MAX_CREDENTIAL_SECONDS,
      Math.max(MIN_CREDENTIAL_SECONDS, Math.ceil(durationSeconds)),
    );
    const response = await fetch(`${this.url}${CREDENTIALS_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ duration_seconds: duration }),
    });
    if (!response.ok) {
      throw new Error(
        `POST ${CREDENTIALS_PATH} failed with HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return response.json();
  }

  /**
   * Returns an S3 client with new credentials and the bucket they may use. The client has the
   * SDK's default settings, except what `clientOptions` sets.
   */
  async createClient(durationSeconds, clientOptions = {}) {
    const issued = await this.issueCredentials(durationSeconds);
    const credentials = {
      accessKeyId: issued.access_key,
      secretAccessKey: issued.secret_key,
      sessionToken: issued.session_token,
    };
    const client = new S3Client({
      ...clientOptions,
      endpoint: issued.endpoint,
      region: issued.region,
      forcePathStyle: true,
      credentials,
    });
    return {
      client,
      bucket: issued.bucket_name,
      endpoint: issued.endpoint,
      region: issued.region,
      credentials,
    };
  }
}

/** An s3rver child process on 127.0.0.1 with a port the system picks, storing its buckets in `directory`. */
export class S3rverProcess {
  constructor({ child, logPath }) {
    this.child = child;
    this.pid = child.pid;
    this.logPath = logPath;
    this.endpoint = undefined;
    this.stopped = false;
  }

  /** Starts the process. Register `stop` before awaiting `waitUntilListening`. */
  static spawn({ directory, logPath }) {
    const logFd = openSync(logPath, 'a');
    const args = [
      ...['--directory', directory, '--address', '127.0.0.1', '--port', '0'],
      ...['--silent', '--no-vhost-buckets'],
    ];
    const child = spawn(process.execPath, [s3rverBinPath(), ...args], {
      stdio: ['ignore', logFd, logFd],
      env: environmentWithoutLyceum(),
    });
    closeSync(logFd);
    return new S3rverProcess({ child, logPath });
  }

  /** Waits for the line s3rver prints once it listens and reads the port from it. */
  async waitUntilListening() {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const log = await readFile(this.logPath, 'utf8');
      const match = /S3rver listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match !== null) {
        this.endpoint = `http://127.0.0.1:${match[1]}`;
        return;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`s3rver exited before listening. Its output:\n${log}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
    const log = await readFile(this.logPath, 'utf8');
    throw new Error(`s3rver did not listen within ${START_TIMEOUT_MS} ms. Its output:\n${log}`);
  }

  /**
   * Creates `bucket` and returns an S3 client for it. s3rver 3.7.1 does not decode `aws-chunked`
   * bodies and stores their chunk framing as part of the object, so the client uses
   * CHECKSUMS_WHEN_REQUIRED.
   */
  async createClient(bucket) {
    const credentials = { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_ACCESS_KEY };
    const client = new S3Client({
      ...CHECKSUMS_WHEN_REQUIRED,
      endpoint: this.endpoint,
      region: S3RVER_REGION,
      forcePathStyle: true,
      credentials,
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return { client, bucket, endpoint: this.endpoint, region: S3RVER_REGION, credentials };
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    await stopChild(this.child, 's3rver');
  }
}

/**
 * Sends SIGTERM to a child's pid, and SIGKILL if it has not exited in time. The timer is unref'd,
 * so it does not keep this process alive after the child has exited.
 */
async function stopChild(child, description) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS, 'timeout', { ref: false });
  if ((await Promise.race([exited, timer])) === 'timeout') {
    console.error(
      `${description} (pid ${child.pid}) did not stop within ${STOP_TIMEOUT_MS} ms, so it gets SIGKILL.`,
    );
    child.kill('SIGKILL');
    await exited;
  }
}

function s3rverBinPath() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
}

/** Copies the inherited environment without LYCEUM_* variables, so the user's settings stay out. */
function environmentWithoutLyceum() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LYCEUM_')),
  );
}
