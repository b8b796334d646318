import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, startTestServer } from '../docker/support/test-server.js';

/** Runs `storage ls` with only the local server's data directory to go by. */
function listWithDataDir(dataDir: string) {
  return execa(process.execPath, [CLI, 'storage', 'ls'], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dataDir,
      LYCEUM_DATA_DIR: dataDir,
      LYCEUM_CONFIG: join(dataDir, 'cli-config.json'),
    },
  });
}

/** Starts `storage ls` as in listWithDataDir, runs `meanwhile` 0.7 s later, and returns the result. */
async function listWhile(dataDir: string, meanwhile: () => Promise<void>) {
  const listing = listWithDataDir(dataDir);
  await new Promise((resolve) => setTimeout(resolve, 700));
  await meanwhile();
  return listing;
}

describe('a local server that is starting', () => {
  it('is waited for until it writes its URL and key', async () => {
    await using server = await startTestServer();
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-starting-'));
    // A live process has locked the data directory, as a server does from its first moment.
    await writeFile(join(dataDir, 'server.pid'), `${process.pid}\n`);

    const listed = await listWhile(dataDir, async () => {
      await writeFile(join(dataDir, 'local-cli-key'), `${server.apiKey}\n`);
      await writeFile(join(dataDir, 'local-cli-url'), `${server.url}\n`);
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('is waited for when its key comes before its URL', async () => {
    await using server = await startTestServer();
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-starting-'));
    await writeFile(join(dataDir, 'server.pid'), `${process.pid}\n`);
    await writeFile(join(dataDir, 'local-cli-key'), `${server.apiKey}\n`);

    const listed = await listWhile(dataDir, async () => {
      await writeFile(join(dataDir, 'local-cli-url'), `${server.url}\n`);
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('is waited for briefly before it locks its data directory', async () => {
    await using server = await startTestServer();
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-starting-'));

    const listed = await listWhile(dataDir, async () => {
      await writeFile(join(dataDir, 'local-cli-key'), `${server.apiKey}\n`);
      await writeFile(join(dataDir, 'local-cli-url'), `${server.url}\n`);
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('is tried again while it restarts', async () => {
    await using server = await startTestServer();
    await server.stop();
    // A restarting server has locked the data directory before it listens again.
    await writeFile(join(server.dataDir, 'server.pid'), `${process.pid}\n`);

    const listed = await listWhile(server.dataDir, async () => {
      await server.restart();
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('is tried again shortly before it locks its data directory', async () => {
    await using server = await startTestServer();
    await server.stop();

    const listed = await listWhile(server.dataDir, async () => {
      await server.restart();
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('is named as the local server when it stays down', async () => {
    await using server = await startTestServer();
    await server.stop();

    const listed = await listWithDataDir(server.dataDir);
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toContain(
      `Cannot reach the local lyceum server at ${server.url} (ECONNREFUSED), the address its ` +
        'data directory records; start it again with "lyceum server" and the options it had',
    );
  });

  it('is waited for only briefly without a live process', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-starting-'));
    const ended = execa('true');
    const { pid } = ended;
    await ended;
    await writeFile(join(dataDir, 'server.pid'), `${pid}\n`);

    const listed = await listWithDataDir(dataDir);
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toContain('No API key configured for http://127.0.0.1:8790');
  });
});
