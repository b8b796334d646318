import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { resolveServerConfig } from '../../src/config/server-config.js';
import { startServer } from '../../src/server/start-server.js';
import { CLI, startTestServer } from '../docker/support/test-server.js';

describe('lyceum CLI errors', () => {
  it('names a missing local file', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'load', 'no-such-file.csv']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"no-such-file.csv" not found');
  });

  it('explains docker run flags it lacks', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['docker', 'run', '-v', '/tmp:/data', 'lyceum-test/busybox:1']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("error: unknown option '-v'");
    expect(result.stderr).toContain('lyceum docker run has no -v: runs see only your bucket');
  });

  it('calls -t a time limit, not a terminal', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['docker', 'run', '-t', 'lyceum-test/busybox:1', 'sh']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("-t sets the run's time limit, not a terminal");
  });

  it('asks for -r on a folder', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'folder'));
    const result = await server.cli(['storage', 'load', 'folder']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('add -r');
  });

  it('uploads a folder with -r', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'inputs', 'nested'), { recursive: true });
    await writeFile(join(server.dataDir, 'inputs', 'a.txt'), 'a');
    await writeFile(join(server.dataDir, 'inputs', 'nested', 'b.txt'), 'b');
    const result = await server.cli(['storage', 'load', 'inputs', '-r', '--key', 'in', '--json']);
    expect(result.exitCode).toBe(0);
    const stored = JSON.parse(result.stdout) as { key: string }[];
    expect(stored.map((item) => item.key)).toEqual(['in/a.txt', 'in/nested/b.txt']);
    const listing = await server.cli(['storage', 'ls']);
    expect(listing.stdout).toContain('in/');
    expect(listing.stdout).not.toContain('in/a.txt');
  });

  it('uploads a file into a folder key ending in a slash', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'data.csv'), 'a,b');
    const result = await server.cli(['storage', 'load', 'data.csv', '--key', 'data/', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ key: 'data/data.csv' })]);
    const listing = await server.cli(['storage', 'ls', '-r', '--json']);
    const keys = (JSON.parse(listing.stdout) as { key: string }[]).map((item) => item.key);
    expect(keys).toEqual(['data/data.csv']);
  });

  it('uploads a folder under a key prefix ending in a slash', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'inputs'));
    await writeFile(join(server.dataDir, 'inputs', 'a.txt'), 'a');
    const result = await server.cli(['storage', 'load', 'inputs', '-r', '--key', 'in/', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const stored = JSON.parse(result.stdout) as { key: string }[];
    expect(stored.map((item) => item.key)).toEqual(['in/a.txt']);
  });

  it('uploads many files in order', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'many'));
    const names = Array.from(
      { length: 30 },
      (_, index) => `f${String(index).padStart(2, '0')}.txt`,
    );
    for (const name of names) await writeFile(join(server.dataDir, 'many', name), name);
    const result = await server.cli(['storage', 'load', 'many', '-r', '--json']);
    expect(result.exitCode).toBe(0);
    const stored = JSON.parse(result.stdout) as { key: string; size: number }[];
    expect(stored.map((item) => item.key)).toEqual(names.map((name) => `many/${name}`));
    expect(stored.every((item) => item.size === 7)).toBe(true);
  });

  it('names the links a folder upload skips', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'linked'));
    await writeFile(join(server.dataDir, 'linked', 'real.txt'), 'real');
    await symlink('/etc/hostname', join(server.dataDir, 'linked', 'host-link'));
    const result = await server.cli(['storage', 'load', 'linked', '-r', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      'Skipped 1 entry that is not a regular file (links, pipes, devices): "host-link".',
    );
    const stored = JSON.parse(result.stdout) as { key: string }[];
    expect(stored.map((item) => item.key)).toEqual(['linked/real.txt']);
  });

  it('stops a folder upload at a conflicting key', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'inner.txt'), 'inner');
    await server.cli(['storage', 'load', 'inner.txt', '--key', 'in/b/inner.txt']);
    await mkdir(join(server.dataDir, 'clash'));
    for (const name of ['a', 'b', 'c']) await writeFile(join(server.dataDir, 'clash', name), name);
    const result = await server.cli(['storage', 'load', 'clash', '-r', '--key', 'in']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"in/b" names an existing folder');
    expect(result.stderr).toContain('Uploaded 2 of 3 files before the error below');
    const listing = await server.cli(['storage', 'ls', 'in/', '-r', '--json']);
    const keys = (JSON.parse(listing.stdout) as { key: string }[]).map((item) => item.key);
    expect(keys).toContain('in/b/inner.txt');
    expect(keys).not.toContain('in/b');
  });

  it('reports a missing object and leaves no file', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'download', 'missing.txt', '-o', 'out.txt']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('"missing.txt" not found');
    expect(await readdir(server.dataDir)).not.toContain('out.txt');
    expect((await readdir(server.dataDir)).some((name) => name.includes('lyceum-part'))).toBe(
      false,
    );
  });

  it('reports an invalid key as a usage error', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    const result = await server.cli(['storage', 'load', 'x.txt', '--key', 'a/../b']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('".."');
  });

  it('rejects dot segments in rm, download, rmdir and ls', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'keep.txt'), 'kept');
    await server.cli(['storage', 'load', 'keep.txt', '--key', 'keep.txt']);

    for (const args of [
      ['rm', 'x/y/../../keep.txt'],
      ['rm', './keep.txt'],
      ['download', 'a/../keep.txt', '-o', 'out.txt'],
      ['rmdir', '../'],
      ['ls', 'a/../'],
    ]) {
      const result = await server.cli(['storage', ...args]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/segment, which cannot be a file name/);
    }
    const listing = await server.cli(['storage', 'ls', '--json']);
    expect(JSON.parse(listing.stdout)).toEqual([expect.objectContaining({ key: 'keep.txt' })]);
    expect(await readdir(server.dataDir)).not.toContain('out.txt');
  });

  it('rejects a dot segment that a raw request sends', async () => {
    await using server = await startTestServer();
    // node:http sends the path as given; URL and fetch would resolve the ".." first.
    const { port } = new URL(server.url);
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'DELETE',
        path: '/api/v2/external/storage/delete/x/../keep.txt',
        headers: { authorization: `Bearer ${server.apiKey}` },
      });
      request.on('response', (incoming) => {
        let body = '';
        incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
    expect(response.status).toBe(400);
    expect((JSON.parse(response.body) as { detail: string }).detail).toContain('".." segment');
  });

  it('names --duration when it is out of range', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'credentials', '--duration', '10']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--duration 10 is out of range; give 900 to 43200 seconds.');
  });

  it('explains that download takes one object, not a folder', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'download', 'results/']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('names a folder');
    expect(result.stderr).toContain('"lyceum storage download results/ -r" downloads every object');
  });

  it('points rm of a folder at rmdir', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'ds/sub/x.txt']);
    const result = await server.cli(['storage', 'rm', 'ds/sub/']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('"ds/sub/" ends with "/", so it names a folder');
    expect(result.stderr).toContain('"lyceum storage rmdir ds/sub/" deletes the folder');
    const listing = await server.cli(['storage', 'ls', '-r', '--json']);
    expect(JSON.parse(listing.stdout)).toEqual([expect.objectContaining({ key: 'ds/sub/x.txt' })]);

    const withoutSlash = await server.cli(['storage', 'rm', 'ds/sub']);
    expect(withoutSlash.exitCode).toBe(1);
    expect(withoutSlash.stderr).toContain('"ds/sub/" is a folder: "lyceum storage rmdir ds/sub/"');
  });

  it('points download of a folder at ls', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'ds/sub/x.txt']);
    const result = await server.cli(['storage', 'download', 'ds/sub', '-o', '-']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      '"ds/sub/" is a folder: "lyceum storage download ds/sub/ -r" downloads every object in it.',
    );
  });

  it('downloads a folder with -r', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await writeFile(join(server.dataDir, 'y.txt'), 'yy');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'runs/a/x.txt']);
    await server.cli(['storage', 'load', 'y.txt', '--key', 'runs/a/deep/y.txt']);
    await server.cli(['storage', 'load', 'x.txt', '--key', 'runs/b.txt']);
    await server.cli(['storage', 'load', 'x.txt', '--key', 'runsother.txt']);
    const output = join(server.dataDir, 'out');

    const result = await server.cli(['storage', 'download', 'runs', '-r', '-o', output]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Downloaded 3 files (4 B) under runs/ to');
    expect(await readFile(join(output, 'a', 'x.txt'), 'utf8')).toBe('x');
    expect(await readFile(join(output, 'a', 'deep', 'y.txt'), 'utf8')).toBe('yy');
    expect(await readFile(join(output, 'b.txt'), 'utf8')).toBe('x');
    expect((await readdir(output)).sort()).toEqual(['a', 'b.txt']);

    const byDefault = await server.cli(['storage', 'download', 'runs/a/', '-r']);
    expect(byDefault.exitCode).toBe(0);
    expect(await readFile(join(server.dataDir, 'a', 'deep', 'y.txt'), 'utf8')).toBe('yy');

    const missing = await server.cli(['storage', 'download', 'none/', '-r']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Error: No objects under none/');
    const toStdout = await server.cli(['storage', 'download', 'runs/', '-r', '-o', '-']);
    expect(toStdout.exitCode).toBe(2);
    expect(toStdout.stderr).toContain('-r writes files into a folder');
  });

  it('stops a folder download on SIGINT after whole files only', async () => {
    await using server = await startTestServer();
    const folder = join(server.dataDir, 'many');
    await mkdir(folder);
    for (let index = 0; index < 400; index++) {
      await writeFile(join(folder, `f${String(index).padStart(3, '0')}.txt`), `file ${index}`);
    }
    expect((await server.cli(['storage', 'load', folder, '-r', '--key', 'many'])).exitCode).toBe(0);
    const output = join(server.dataDir, 'out');
    const child = execa('node', [CLI, 'storage', 'download', 'many', '-r', '-o', output], {
      reject: false,
      env: { LYCEUM_API_URL: server.url, LYCEUM_API_KEY: server.apiKey },
    });
    // The signal goes once some files are there, while the others still download.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const present = await readdir(output).catch(() => []);
      if (present.length >= 5) break;
      if (Date.now() > deadline) throw new Error('The download wrote no files within 30 s.');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGINT');
    const result = await child;

    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/Stopped on SIGINT after \d+ of 400 files/);
    const left = await readdir(output);
    expect(left.length).toBeLessThan(400);
    expect(left.filter((name) => name.endsWith('.lyceum-part'))).toEqual([]);
    for (const name of left) {
      expect(await readFile(join(output, name), 'utf8')).toBe(`file ${Number(name.slice(1, 4))}`);
    }
  });

  it('downloads the whole bucket with -r, and explains what it cannot', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'a/x.txt']);
    await server.cli(['storage', 'load', 'x.txt', '--key', 'top.txt']);
    const whole = join(server.dataDir, 'whole');

    const result = await server.cli(['storage', 'download', '/', '-r', '-o', whole]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Downloaded 2 files (2 B) under the bucket');
    expect(await readFile(join(whole, 'a', 'x.txt'), 'utf8')).toBe('x');
    const noFolder = await server.cli(['storage', 'download', '/', '-r']);
    expect(noFolder.exitCode).toBe(2);
    expect(noFolder.stderr).toContain('the whole bucket needs a folder to write into');

    const object = await server.cli(['storage', 'download', 'top.txt', '-r']);
    expect(object.exitCode).toBe(1);
    expect(object.stderr).toContain(
      'Error: "top.txt" is an object, not a folder: download it without -r.',
    );

    await writeFile(join(server.dataDir, 'afile'), 'in the way');
    const blocked = await server.cli([
      'storage',
      'download',
      'a/',
      '-r',
      '-o',
      join(server.dataDir, 'afile'),
    ]);
    expect(blocked.exitCode).toBe(2);
    expect(blocked.stderr).toContain("a local file and folder stood in each other's way");
    expect(blocked.stderr).not.toContain('Unexpected error');
  });

  it('points rmdir of an object at rm', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'ds/x.txt']);
    const result = await server.cli(['storage', 'rmdir', 'ds/x.txt']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Deleted 0 objects under ds/x.txt/');
    expect(result.stderr).toContain('"ds/x.txt" is an object, not a folder: "lyceum storage rm');
  });

  it('says when a folder has no files to upload', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'empty'));
    const result = await server.cli(['storage', 'load', join(server.dataDir, 'empty'), '-r']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('No files to upload in');
  });

  it('checks an S3 URL given as --key before uploading', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.dataDir, 'ds'));
    await writeFile(join(server.dataDir, 'ds', 'a.txt'), 'a');
    const result = await server.cli(['storage', 'load', 'ds', '-r', '--key', 's3://bucket/x/']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--key "s3://bucket/x/" is an S3 URL');
    expect(result.stderr).not.toContain('Uploaded');
  });

  it('points ls of a leading slash or an S3 URL at the key', async () => {
    await using server = await startTestServer();
    const slash = await server.cli(['storage', 'ls', '/ds']);
    expect(slash.exitCode).toBe(2);
    expect(slash.stderr).toContain('starts with "/", but keys do not; give "ds"');
    const url = await server.cli(['storage', 'ls', 's3://lyceum-default/ds/']);
    expect(url.exitCode).toBe(2);
    expect(url.stderr).toContain('is an S3 URL');
  });

  it('downloads keys with dots in their names', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'v1.2.tar.gz'), 'archive');
    await server.cli(['storage', 'load', 'v1.2.tar.gz', '--key', '.config/v1.2.tar.gz']);
    const output = join(server.dataDir, 'copy.tar.gz');
    const result = await server.cli(['storage', 'download', '.config/v1.2.tar.gz', '-o', output]);
    expect(result.exitCode).toBe(0);
    expect(await readFile(output, 'utf8')).toBe('archive');
    expect((await server.cli(['storage', 'rm', '.config/v1.2.tar.gz'])).exitCode).toBe(0);
  });

  it('deletes objects and folders', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'dir/x.txt']);
    await server.cli(['storage', 'load', 'x.txt', '--key', 'dir/y.txt']);
    const removed = await server.cli(['storage', 'rm', 'dir/x.txt']);
    expect(removed.exitCode).toBe(0);
    const again = await server.cli(['storage', 'rm', 'dir/x.txt']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('not found');
    const folder = await server.cli(['storage', 'rmdir', 'dir', '--json']);
    expect(JSON.parse(folder.stdout)).toMatchObject({ deleted_count: 1 });
  });

  it('explains a URL that points at the S3 endpoint', async () => {
    await using server = await startTestServer();
    const response = await server.api('/storage/credentials', { method: 'POST' });
    const { endpoint } = (await response.json()) as { endpoint: string };
    const result = await server.cli(['storage', 'ls'], { env: { LYCEUM_API_URL: endpoint } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${endpoint} is an S3 endpoint, not the lyceum API`);
    expect(result.stderr).not.toContain('<?xml');
  });

  it('names the local server when the URL points elsewhere without a key', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: {
        LYCEUM_API_URL: 'http://127.0.0.1:9',
        LYCEUM_API_KEY: '',
        LYCEUM_DATA_DIR: server.dataDir,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`The local server in LYCEUM_DATA_DIR listens at ${server.url}`);

    const status = await server.cli(['auth', 'status', '--json'], {
      env: {
        LYCEUM_API_URL: 'http://127.0.0.1:9',
        LYCEUM_API_KEY: '',
        LYCEUM_DATA_DIR: server.dataDir,
      },
    });
    expect(status.exitCode).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({
      api_key: null,
      accepted: null,
      problem: `no key configured for http://127.0.0.1:9; the local server listens at ${server.url}`,
    });
  });

  it('explains an unreachable server', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: { LYCEUM_API_URL: 'http://127.0.0.1:9' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Cannot reach the lyceum server at http://127.0.0.1:9');
    expect(result.stderr).toContain('lyceum server');
  });

  it('hides a password in the URL of an unreachable server', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: { LYCEUM_API_URL: 'http://ops:S3CRETPW@127.0.0.1:9' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Cannot reach the lyceum server at http://***@127.0.0.1:9');
    expect(result.stderr).not.toContain('S3CRETPW');
  });

  it('hides a password in the URL of auth commands', async () => {
    await using server = await startTestServer();
    const url = `http://ops:p@SECRET@${new URL(server.url).host}`;
    const login = await server.cli([
      'auth',
      'login',
      '--api-key',
      'lk_x',
      '--url',
      url,
      '--no-verify',
    ]);
    const status = await server.cli(['auth', 'status', '--json'], { env: { LYCEUM_API_URL: url } });
    const badUrl = await server.cli([
      'auth',
      'login',
      '--api-key',
      'lk_x',
      '--url',
      'htp://ops:p@SECRET@h',
    ]);

    expect(login.exitCode).toBe(0);
    expect(login.stdout).toContain('Saved the API key for http://***@127.0.0.1:');
    expect((JSON.parse(status.stdout) as { base_url: string }).base_url).toMatch(
      /^http:\/\/\*\*\*@127/,
    );
    expect(badUrl.exitCode).toBe(2);
    for (const result of [login, status, badUrl]) {
      expect(result.stdout + result.stderr).not.toContain('SECRET');
    }
  });

  it('explains a result it cannot write', async () => {
    await using server = await startTestServer();
    const full = await server.shell('lyceum workloads list > /dev/full');
    expect(full.exitCode).toBe(1);
    expect(full.stderr).toBe(
      'Error: Writing to stdout failed (ENOSPC: no space left on device, write); check where ' +
        'stdout goes, such as free space on its disk.',
    );
  });

  it('explains a missing API key', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: { LYCEUM_API_KEY: '', LYCEUM_DATA_DIR: join(server.dataDir, 'none') },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No API key configured');
  });

  it('rejects a wrong key at login', async () => {
    await using server = await startTestServer();
    const result = await server.cli([
      'auth',
      'login',
      '--api-key',
      'lk_wrong',
      '--url',
      server.url,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Invalid or revoked API key');
    await expect(readFile(join(server.dataDir, 'cli-config.json'))).rejects.toThrow();
  });

  it('names the variable a rejected key came from', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], { env: { LYCEUM_API_KEY: 'lk_wrong' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('The key came from LYCEUM_API_KEY');
  });

  it('saves a working key at login', async () => {
    await using server = await startTestServer();
    const env = { LYCEUM_API_KEY: '', LYCEUM_API_URL: '' };
    const login = await server.cli(
      ['auth', 'login', '--api-key', server.apiKey, '--url', server.url],
      { env },
    );
    expect(login.exitCode).toBe(0);
    const saved = JSON.parse(
      await readFile(join(server.dataDir, 'cli-config.json'), 'utf8'),
    ) as Record<string, string>;
    expect(saved).toEqual({ api_key: server.apiKey, base_url: server.url });
    const status = await server.cli(['auth', 'status', '--json'], { env });
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed.accepted).toBe(true);
    expect(parsed.api_key_source).toBe('config file');
    expect(status.stdout).not.toContain(server.apiKey);
  });

  it('rejects a key without the lk_ prefix', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['auth', 'login', '--api-key', 'secret', '--no-verify']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('lk_');
  });

  it.each([
    [['docker', 'run', 'img', '-c', 'true', '--', 'echo'], 'either -c'],
    [['docker', 'run', 'img', '--no-s3', '--s3-mount-path', '/data'], 'contradict'],
    [['docker', 'run', 'img', '--pull', 'sometimes'], 'never, missing or always'],
    [['docker', 'run', 'img', '-t', 'soon'], 'positive number'],
    [['docker', 'run', 'img', '-e', 'UNSET_VARIABLE_FOR_TEST'], 'not set'],
    [['docker', 'run', 'img', '-t', '999999'], '1 to 86400'],
    [['docker', 'run', 'img', '--s3-mount-path', 'relative'], 'must be absolute'],
    [['docker', 'frobnicate'], 'unknown command'],
  ])('rejects %j as a usage error', async (args, words) => {
    await using server = await startTestServer();
    const result = await server.cli(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(words);
  });

  it('reports an unknown run', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['workloads', 'logs', 'run_nope']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Run "run_nope" not found');
  });

  it('lists no runs on a new server', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['workloads', 'list']);
    expect(result.stdout).toBe('No runs yet.');
    const json = await server.cli(['workloads', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });
});

describe('lyceum CLI setup errors', () => {
  it('rejects a URL without a scheme', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: { LYCEUM_API_URL: '127.0.0.1:8790' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'LYCEUM_API_URL "127.0.0.1:8790" is not an http:// or https:// URL',
    );
  });

  it('finds the local server without configuration', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['auth', 'status', '--json'], {
      env: { LYCEUM_API_URL: '', LYCEUM_API_KEY: '', LYCEUM_DATA_DIR: server.dataDir },
    });
    const status = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(status.base_url).toBe(server.url);
    expect(status.api_key_source).toBe('local server');
    expect(status.accepted).toBe(true);
  });

  it('rejects accounts commands outside a data directory', async () => {
    await using server = await startTestServer();
    const result = await server.cli([
      'accounts',
      'list',
      '--data-dir',
      join(server.dataDir, 'elsewhere'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('has no lyceum.db');
    expect(await readdir(server.dataDir)).not.toContain('elsewhere');
  });

  it('lists keys under a header and in snake case', async () => {
    await using server = await startTestServer();
    const dataDir = ['--data-dir', server.dataDir];
    const table = await server.cli(['accounts', 'keys', 'list', 'default', ...dataDir]);
    expect(table.stdout.split('\n')[0]).toMatch(/^KEY ID +NAME +CREATED +STATE$/);
    const json = await server.cli(['accounts', 'keys', 'list', 'default', '--json', ...dataDir]);
    expect(JSON.parse(json.stdout)[0]).toEqual({
      key_id: expect.stringMatching(/^key_/),
      name: expect.any(String),
      created_at: expect.any(String),
      revoked_at: null,
    });
  });

  it('accepts a URL that ends in the API base path', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'ls'], {
      env: { LYCEUM_API_URL: `${server.url}/api/v2/external/` },
    });
    expect(result.exitCode).toBe(0);
  });

  it('lists accounts under a header', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['accounts', 'list', '--data-dir', server.dataDir]);
    expect(result.exitCode).toBe(0);
    const [header, first] = result.stdout.split('\n');
    expect(header).toMatch(/^NAME +BUCKET +KEYS +CREATED$/);
    expect(first).toMatch(/^default +lyceum-default +\d+ +\d{4}-/);
  });

  it('downloads into a new folder named with a slash', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'x.txt'), 'x');
    await server.cli(['storage', 'load', 'x.txt', '--key', 'x.txt']);
    const result = await server.cli(['storage', 'download', 'x.txt', '-o', 'fresh/']);
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(server.dataDir, 'fresh', 'x.txt'), 'utf8')).toBe('x');
  });

  it('rejects an empty Compose file', async () => {
    await using server = await startTestServer();
    await writeFile(join(server.dataDir, 'empty.yaml'), '\n');
    const result = await server.cli(['compose', 'run', 'empty.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('The Compose file "empty.yaml" is empty');
    expect(await (await server.api('/workloads/list')).json()).toEqual([]);
  });

  it('rejects an invalid image name before starting', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['docker', 'run', 'Bad Image!', '-c', 'true']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Image "Bad Image!" is not a valid image reference');
    const uppercase = await server.cli(['docker', 'run', 'UPPER/case', '-c', 'true']);
    expect(uppercase.exitCode).toBe(2);
    expect(uppercase.stderr).toContain('Image "UPPER/case" is not a valid image reference');
    expect(await (await server.api('/workloads/list')).json()).toEqual([]);
  });

  it('refuses a second server on the same data directory', async () => {
    await using server = await startTestServer();
    const { writeFile: write } = await import('node:fs/promises');
    const { spawn } = await import('node:child_process');
    const other = spawn('sleep', ['30']);
    try {
      await write(join(server.dataDir, 'server.pid'), `${other.pid}\n`);
      const result = await server.cli([
        'server',
        '--data-dir',
        server.dataDir,
        '--port',
        '0',
        '--s3-port',
        '0',
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`Another lyceum server (pid ${other.pid})`);
      await write(join(server.dataDir, 'kept.txt'), 'kept');
      const upload = await server.cli(['storage', 'load', 'kept.txt']);
      expect(upload.stderr).toBe('');
      expect(upload.exitCode).toBe(0);
    } finally {
      other.kill();
    }
  });

  it('prints the first key after a failed first start', async () => {
    await using server = await startTestServer();
    const port = new URL(server.url).port;
    const dataDir = join(server.dataDir, 'second');
    const failed = await server.cli(['server', '--data-dir', dataDir, '--port', port]);
    expect(failed.exitCode).toBe(1);
    const config = resolveServerConfig({ host: '127.0.0.1', port: 0, s3Port: 0, dataDir }, {});
    await using second = await startServer(config, { logger: pino({ level: 'silent' }) });
    expect(second.firstApiKey).toMatch(/^lk_/);
  });

  it('explains a port in use', async () => {
    await using server = await startTestServer();
    const port = new URL(server.url).port;
    const result = await server.cli([
      'server',
      '--data-dir',
      join(server.dataDir, 'second'),
      '--port',
      port,
      '--s3-port',
      '0',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  });
});
