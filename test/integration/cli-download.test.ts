import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, startTestServer, type TestServer } from '../docker/support/test-server.js';

const MIB = 1024 * 1024;

/** Returns the environment that points a CLI child process at `server`, or at `url` instead. */
function cliEnv(server: TestServer, url = server.url): Record<string, string> {
  return {
    LYCEUM_API_URL: url,
    LYCEUM_API_KEY: server.apiKey,
    LYCEUM_CONFIG: join(server.dataDir, 'cli-config.json'),
  };
}

/** Uploads `size` bytes of a repeating pattern as `key` and returns the bytes. */
async function storeObject(server: TestServer, key: string, size: number): Promise<Buffer> {
  const content = Buffer.alloc(size);
  for (let index = 0; index < size; index++) content[index] = index % 251;
  const path = join(server.dataDir, 'upload.bin');
  await writeFile(path, content);
  const load = await server.cli(['storage', 'load', path, '--key', key]);
  expect(load.exitCode, load.stderr).toBe(0);
  return content;
}

/**
 * Starts a loopback TCP relay to the server at `targetUrl` that passes about `limit` bytes of
 * each response, then stops reading from the server. A download through it stays in progress
 * until the client ends it, however fast the machine is.
 */
async function startHoldingRelay(targetUrl: string, limit: number) {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    let passed = 0;
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      passed += chunk.length;
      if (passed >= limit) upstream.pause();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/** Waits until the file at `path` contains at least one byte, while `child` runs. */
async function waitForData(path: string, child: { exitCode: number | null }): Promise<void> {
  for (;;) {
    const size = await stat(path).then(
      (stats) => stats.size,
      () => 0,
    );
    if (size > 0) return;
    if (child.exitCode !== null) {
      throw new Error(`The CLI exited with ${child.exitCode} before it wrote to ${path}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lyceum storage download', () => {
  it('writes the object to stdout with -o -', async () => {
    await using server = await startTestServer();
    const content = await storeObject(server, 'data/blob.bin', 3 * MIB + 17);
    const result = await execa('node', [CLI, 'storage', 'download', 'data/blob.bin', '-o', '-'], {
      cwd: server.dataDir,
      env: cliEnv(server),
      encoding: 'buffer',
      stripFinalNewline: false,
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    expect(Buffer.from(result.stdout).equals(content)).toBe(true);
    expect(Buffer.from(result.stderr).toString()).toBe('');
    expect(await readdir(server.dataDir)).not.toContain('-');
    expect(await readdir(server.dataDir)).not.toContain('blob.bin');
  });

  it('reports a missing object on stderr with -o -', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'download', 'missing.txt', '-o', '-']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('"missing.txt" not found');
  });

  it('downloads a file named - with -o ./-', async () => {
    await using server = await startTestServer();
    await storeObject(server, 'dash.bin', 10);
    const result = await server.cli(['storage', 'download', 'dash.bin', '-o', './-']);
    expect(result.exitCode).toBe(0);
    expect((await stat(join(server.dataDir, '-'))).size).toBe(10);
  });

  it('exits 141 without a message when stdout closes early', async () => {
    await using server = await startTestServer();
    await storeObject(server, 'big.bin', 16 * MIB);
    const child = spawn('node', [CLI, 'storage', 'download', 'big.bin', '-o', '-'], {
      cwd: server.dataDir,
      env: { ...process.env, ...cliEnv(server) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Closing the read end after the first chunk is what `| head -c 1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exitCode).toBe(141);
    expect(stderr).toBe('');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('removes the partial file on %s', async (signal, exitCode) => {
    await using server = await startTestServer();
    await storeObject(server, 'big.bin', 32 * MIB);
    await using relay = await startHoldingRelay(server.url, MIB);
    const folder = join(server.dataDir, 'downloads');
    await mkdir(folder);
    const download = execa('node', [CLI, 'storage', 'download', 'big.bin', '-o', 'out.bin'], {
      cwd: folder,
      env: cliEnv(server, relay.url),
      reject: false,
    });

    await waitForData(join(folder, 'out.bin.lyceum-part'), download);
    download.kill(signal);
    const result = await download;

    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toContain(
      `Stopped downloading big.bin on ${signal}; removed out.bin.lyceum-part.`,
    );
    expect(await readdir(folder)).toEqual([]);
  });
});
