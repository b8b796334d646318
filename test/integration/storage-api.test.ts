import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  chmod,
  mkdir,
  readdir,
  readFile,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dataDirLayout } from '../../src/config/data-dir.js';
import { startTestServer, type TestServer } from '../docker/support/test-server.js';

const execFileAsync = promisify(execFile);

function md5(content: string): string {
  return createHash('md5').update(content).digest('hex');
}

async function upload(server: TestServer, key: string, content: string | Uint8Array) {
  const form = new FormData();
  form.append('file', new Blob([content]), key.split('/').pop()!);
  return server.api(`/storage/upload?key=${encodeURIComponent(key)}`, {
    method: 'POST',
    body: form,
  });
}

describe('storage API', () => {
  it.each([
    ['GET', '/storage/list-files'],
    ['POST', '/storage/upload'],
    ['POST', '/storage/upload-bulk'],
    ['GET', '/storage/download/a.txt'],
    ['DELETE', '/storage/delete/a.txt'],
    ['DELETE', '/storage/delete-folder/a'],
    ['POST', '/execution/image/start'],
    ['GET', '/execution/streaming/run_x'],
    ['GET', '/execution/streaming/run_x/status'],
    ['GET', '/workloads/list'],
    ['POST', '/workloads/abort/run_x'],
  ])('answers 401 to %s %s without a key', async (method, path) => {
    await using server = await startTestServer();
    const response = await fetch(`${server.url}/api/v2/external${path}`, { method });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { detail: string };
    expect(body.detail).toContain('Authorization');
  });

  it('answers 401 to a wrong key and logs no key', async () => {
    await using server = await startTestServer();
    const wrongKey = 'lk_wrongwrongwrongwrongwrongwrongwrongwrong';
    const response = await server.api('/storage/list-files', {
      headers: { authorization: `Bearer ${wrongKey}` },
    });
    expect(response.status).toBe(401);
    const log = await server.log();
    expect(log).toContain('invalid API key');
    expect(log).not.toContain(wrongKey);
    expect(log).not.toContain(server.apiKey);
  });

  it('uploads, lists, downloads and deletes', async () => {
    await using server = await startTestServer();
    const stored = await upload(server, 'data/x.csv', 'a,b\n');
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ key: 'data/x.csv', size: 4, etag: md5('a,b\n') });

    const listing = (await (await server.api('/storage/list-files')).json()) as { key: string }[];
    expect(listing.map((entry) => entry.key)).toEqual(['data/x.csv']);

    const download = await server.api('/storage/download/data/x.csv');
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('a,b\n');
    expect(download.headers.get('content-type')).toContain('text/csv');

    expect((await server.api('/storage/delete/data/x.csv', { method: 'DELETE' })).status).toBe(200);
    expect((await server.api('/storage/download/data/x.csv')).status).toBe(404);
    expect((await server.api('/storage/delete/data/x.csv', { method: 'DELETE' })).status).toBe(404);
  });

  it('pages a listing with start_after', async () => {
    await using server = await startTestServer();
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1']) await upload(server, key, key);
    const keysOf = async (query: string) =>
      ((await (await server.api(`/storage/list-files?${query}`)).json()) as { key: string }[]).map(
        (entry) => entry.key,
      );

    expect(await keysOf('prefix=a/&max_files=2')).toEqual(['a/1', 'a/2']);
    expect(await keysOf('prefix=a/&max_files=2&start_after=a/2')).toEqual(['a/3']);
    expect(await keysOf('start_after=a/3')).toEqual(['b/1']);
  });

  it('computes the ETag as the MD5 of the content', async () => {
    await using server = await startTestServer();
    const body = (await (await upload(server, 'hello.txt', 'hello')).json()) as { etag: string };
    expect(body.etag).toBe(md5('hello'));
  });

  it('derives metadata for files written through the mount', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.bucketDir, 'from-run'), { recursive: true });
    await writeFile(join(server.bucketDir, 'from-run', 'out.json'), 'hello');
    const listing = (await (await server.api('/storage/list-files?prefix=from-run/')).json()) as {
      key: string;
      etag: string;
    }[];
    expect(listing).toEqual([
      expect.objectContaining({ key: 'from-run/out.json', etag: md5('hello') }),
    ]);

    await writeFile(join(server.bucketDir, 'from-run', 'out.json'), 'changed!');
    const download = await server.api('/storage/download/from-run/out.json');
    expect(await download.text()).toBe('changed!');
    expect(download.headers.get('etag')).toBe(`"${md5('changed!')}"`);
    expect(download.headers.get('content-type')).toContain('application/json');
  });

  it('notices a rewrite that restores the modification time', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.bucketDir, 'from-run'), { recursive: true });
    const path = join(server.bucketDir, 'from-run', 'same.txt');
    await writeFile(path, 'hello');
    const { mtime } = await stat(path);
    const first = await server.api('/storage/download/from-run/same.txt');
    expect(first.headers.get('etag')).toBe(`"${md5('hello')}"`);

    // cp -p, tar and rsync -t set the time back after they write.
    await writeFile(path, 'jello');
    await utimes(path, mtime, mtime);
    const second = await server.api('/storage/download/from-run/same.txt');
    expect(await second.text()).toBe('jello');
    expect(second.headers.get('etag')).toBe(`"${md5('jello')}"`);
  });

  it('keeps the content type of an object a run only chmods', async () => {
    await using server = await startTestServer();
    const boundary = 'lyceum-test-boundary';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.dat"\r\n` +
      `Content-Type: text/x-custom\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const uploaded = await server.api('/storage/upload?key=typed.dat', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(uploaded.status).toBe(200);
    await chmod(join(server.bucketDir, 'typed.dat'), 0o640);
    const afterChmod = await server.api('/storage/download/typed.dat');
    expect(afterChmod.headers.get('content-type')).toBe('text/x-custom');

    await writeFile(join(server.bucketDir, 'typed.dat'), 'other');
    const replaced = await server.api('/storage/download/typed.dat');
    expect(replaced.headers.get('content-type')).toBe('application/octet-stream');
    expect(replaced.headers.get('etag')).toBe(`"${md5('other')}"`);
  });

  it('gives a large file written through the mount a version ETag without reading it', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.bucketDir, 'from-run'), { recursive: true });
    const path = join(server.bucketDir, 'from-run', 'sparse.bin');
    // 4 TiB of holes: hashing it would take hours, so the listing returns only if nothing reads it.
    await writeFile(path, '');
    await truncate(path, 4 * 1024 ** 4);
    const listing = (await (await server.api('/storage/list-files?prefix=from-run/')).json()) as {
      key: string;
      size: number;
      etag: string;
    }[];
    expect(listing).toEqual([
      expect.objectContaining({ key: 'from-run/sparse.bin', size: 4 * 1024 ** 4 }),
    ]);
    const etag = listing[0]!.etag;
    expect(etag).toMatch(/^[0-9a-f]{32}-1$/);

    const range = await server.api('/storage/download/from-run/sparse.bin', {
      headers: { range: 'bytes=0-3' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('etag')).toBe(`"${etag}"`);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(Buffer.alloc(4));

    await truncate(path, 4 * 1024 ** 4 + 1);
    const changed = (await (await server.api('/storage/list-files?prefix=from-run/')).json()) as {
      etag: string;
    }[];
    expect(changed[0]!.etag).toMatch(/^[0-9a-f]{32}-1$/);
    expect(changed[0]!.etag).not.toBe(etag);
  });

  it.each(['text/plain\u007f', 'text/\u0001plain'])(
    'rejects the part content type %j with 400',
    async (contentType) => {
      await using server = await startTestServer();
      const boundary = 'lyceum-test-boundary';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n` +
            'Content-Type: ',
        ),
        Buffer.from(contentType, 'utf8'),
        Buffer.from(`\r\n\r\nhello\r\n--${boundary}--\r\n`),
      ]);
      const response = await server.api('/storage/upload?key=typed.txt', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toContain(
        'is not a valid header value',
      );
      const listing = (await (await server.api('/storage/list-files')).json()) as unknown[];
      expect(listing).toEqual([]);
      expect(await readdir(join(server.dataDir, 'staging'))).toEqual([]);
    },
  );

  it('sends an unsendable stored content type as octet-stream', async () => {
    await using server = await startTestServer();
    expect((await upload(server, 'old.txt', 'hello')).status).toBe(200);
    // An object stored before uploads were checked can carry such a content type. The server
    // reads it at its next start, as it keeps the entries it wrote in memory.
    await server.stop();
    const db = new Database(dataDirLayout(server.dataDir).database);
    try {
      db.prepare('UPDATE object_metadata SET content_type = ? WHERE key = ?').run(
        'text/plain\u0001',
        'old.txt',
      );
    } finally {
      db.close();
    }
    await server.restart();
    const download = await server.api('/storage/download/old.txt');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(await download.text()).toBe('hello');
  });

  it('lists nothing for prefixes no key can have', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.bucketDir, 'secret'));
    await writeFile(join(server.bucketDir, 'secret', 'b.txt'), 'b');

    for (const prefix of ['/', './', 'secret/../', 'secret//', 'secret/./b']) {
      const response = await server.api(`/storage/list-files?prefix=${encodeURIComponent(prefix)}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
    }
    const valid = await server.api('/storage/list-files?prefix=secret%2F');
    expect(((await valid.json()) as { key: string }[]).map((file) => file.key)).toEqual([
      'secret/b.txt',
    ]);
  });

  it('leaves paths longer than a key out of listings', async () => {
    await using server = await startTestServer();
    const segment = 'd'.repeat(200);
    const deep = join(server.bucketDir, 'deep', ...Array.from({ length: 6 }, () => segment));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'leaf'), 'too deep');
    await writeFile(join(server.bucketDir, 'deep', 'near.txt'), 'near');

    const response = await server.api('/storage/list-files');
    const keys = ((await response.json()) as { key: string }[]).map((file) => file.key);
    expect(keys).toEqual(['deep/near.txt']);
  });

  it('lists keys in byte order with a prefix and a limit', async () => {
    await using server = await startTestServer();
    for (const key of ['a/x', 'a-b', 'a/y', 'b', 'A']) {
      expect((await upload(server, key, key)).status).toBe(200);
    }
    const all = (await (await server.api('/storage/list-files')).json()) as { key: string }[];
    expect(all.map((entry) => entry.key)).toEqual(['A', 'a-b', 'a/x', 'a/y', 'b']);
    const prefixed = (await (await server.api('/storage/list-files?prefix=a')).json()) as {
      key: string;
    }[];
    expect(prefixed.map((entry) => entry.key)).toEqual(['a-b', 'a/x', 'a/y']);
    const limited = (await (await server.api('/storage/list-files?max_files=2')).json()) as {
      key: string;
    }[];
    expect(limited.map((entry) => entry.key)).toEqual(['A', 'a-b']);
  });

  it('rejects a bad max_files with 422', async () => {
    await using server = await startTestServer();
    const response = await server.api('/storage/list-files?max_files=0');
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('max_files');
  });

  it('honours Range requests', async () => {
    await using server = await startTestServer();
    await upload(server, 'digits.txt', '0123456789');
    const partial = await server.api('/storage/download/digits.txt', {
      headers: { range: 'bytes=2-5' },
    });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await partial.text()).toBe('2345');
    const suffix = await server.api('/storage/download/digits.txt', {
      headers: { range: 'bytes=-3' },
    });
    expect(await suffix.text()).toBe('789');
    const outside = await server.api('/storage/download/digits.txt', {
      headers: { range: 'bytes=20-' },
    });
    expect(outside.status).toBe(416);
  });

  it('keeps a Range only while If-Range matches', async () => {
    await using server = await startTestServer();
    await upload(server, 'digits.txt', '0123456789');
    const etag = (await server.api('/storage/download/digits.txt')).headers.get('etag')!;
    const ranged = (ifRange: string) =>
      server.api('/storage/download/digits.txt', {
        headers: { range: 'bytes=2-5', 'if-range': ifRange },
      });

    const partial = await ranged(etag);
    expect(partial.status).toBe(206);
    expect(await partial.text()).toBe('2345');
    const whole = await ranged('"0000"');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-range')).toBeNull();
    expect(await whole.text()).toBe('0123456789');
  });

  it('takes the key from the form, query or file name', async () => {
    await using server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob(['one']), 'original.txt');
    form.append('key', 'from-form/one.txt');
    expect(
      (await (
        await server.api('/storage/upload', { method: 'POST', body: form })
      ).json()) as object,
    ).toMatchObject({ key: 'from-form/one.txt' });

    const named = new FormData();
    named.append('file', new Blob(['two']), 'named.txt');
    expect(
      (await (
        await server.api('/storage/upload', { method: 'POST', body: named })
      ).json()) as object,
    ).toMatchObject({ key: 'named.txt' });
  });

  it.each([
    ['../escape.txt', '".."'],
    ['a//b', 'empty segment'],
    ['/lead', 'empty segment'],
  ])('rejects the key %s with 400', async (key, words) => {
    await using server = await startTestServer();
    const response = await upload(server, key, 'x');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain(words);
  });

  it('rejects turning a file into a folder with 409', async () => {
    await using server = await startTestServer();
    await upload(server, 'plain', 'file');
    const response = await upload(server, 'plain/child', 'x');
    expect(response.status).toBe(409);
    const folder = await upload(server, 'dir/child', 'x');
    expect(folder.status).toBe(200);
    const clash = await upload(server, 'dir', 'x');
    expect(clash.status).toBe(409);
    expect(await (await server.api('/storage/download/plain')).text()).toBe('file');
  });

  it('uploads several files under a folder prefix', async () => {
    await using server = await startTestServer();
    const form = new FormData();
    form.append('folder_prefix', 'batch/');
    form.append('files', new Blob(['1']), 'one.txt');
    form.append('files', new Blob(['2']), 'two.txt');
    const response = await server.api('/storage/upload-bulk', { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { keys: string[] }).keys).toEqual([
      'batch/one.txt',
      'batch/two.txt',
    ]);
  });

  it('deletes a folder and counts the objects', async () => {
    await using server = await startTestServer();
    for (const key of ['run/a', 'run/sub/b', 'runner/c']) await upload(server, key, key);
    const response = await server.api('/storage/delete-folder/run', { method: 'DELETE' });
    expect(await response.json()).toMatchObject({ deleted_count: 2 });
    const rest = (await (await server.api('/storage/list-files')).json()) as { key: string }[];
    expect(rest.map((entry) => entry.key)).toEqual(['runner/c']);
  });

  it('keeps nothing of an upload cut off half-way', async () => {
    await using server = await startTestServer();
    const boundary = 'cutboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`;
    const url = new URL(`${server.url}/api/v2/external/storage/upload?key=cut/big.bin`);
    await new Promise<void>((resolve) => {
      const request = httpRequest(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.apiKey}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + 10_000_000),
        },
      });
      request.on('error', () => resolve());
      request.write(head);
      request.write(Buffer.alloc(1_000_000, 7), () => {
        setTimeout(() => {
          request.destroy();
          resolve();
        }, 300);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect((await server.api('/storage/download/cut/big.bin')).status).toBe(404);
    expect(await (await server.api('/storage/list-files')).json()).toEqual([]);
    expect(await readdir(dataDirLayout(server.dataDir).staging)).toEqual([]);
  });

  it('prints how the owner of a new account logs in', async () => {
    await using server = await startTestServer();
    const created = await server.cli([
      'accounts',
      'create',
      'ml-team',
      '--data-dir',
      server.dataDir,
    ]);
    expect(created.exitCode).toBe(0);
    const key = /^ {4}(lk_\S+)$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(created.stdout).toContain(
      `Its owner logs in with:\n    lyceum auth login --api-key ${key} --url ${server.url}`,
    );
  });

  it('rejects requests whose key was revoked mid-body', async () => {
    await using server = await startTestServer();
    const dataDir = ['--data-dir', server.dataDir];
    const created = await server.cli(['accounts', 'create', 'slow', '--json', ...dataDir]);
    const apiKey = (JSON.parse(created.stdout) as { api_key: string }).api_key;
    const keys = await server.cli(['accounts', 'keys', 'list', 'slow', '--json', ...dataDir]);
    const [keyInfo] = JSON.parse(keys.stdout) as { key_id: string }[];
    const boundary = 'slowboundary';
    const multipart =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="late.txt"\r\n\r\n` +
      `late\r\n--${boundary}--\r\n`;
    const requests = [
      { path: '/storage/credentials', type: 'application/json', body: '{"duration_seconds": 900}' },
      {
        path: '/storage/upload',
        type: `multipart/form-data; boundary=${boundary}`,
        body: multipart,
      },
    ];

    const sent = requests.map(({ path, type, body }) => {
      const request = httpRequest(new URL(`${server.url}/api/v2/external${path}`), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': type,
          'content-length': String(body.length),
        },
      });
      const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
        request.on('error', reject);
        request.on('response', (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        });
      });
      const started = new Promise<void>((resolve) =>
        request.write(body.slice(0, 5), () => resolve()),
      );
      return { request, body, reply, started };
    });
    await Promise.all(sent.map(({ started }) => started));
    // Fastify logs each request as it begins, before the key check that follows at once.
    while ((await server.log()).split('incoming request').length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const revoke = await server.cli(['accounts', 'keys', 'revoke', keyInfo!.key_id, ...dataDir]);
    expect(revoke.exitCode).toBe(0);
    for (const { request, body } of sent) request.end(body.slice(5));
    const replies = await Promise.all(sent.map(({ reply }) => reply));

    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.text).toContain('revoked while the request was being sent');
    }
    expect(await readdir(join(dataDirLayout(server.dataDir).buckets, 'lyceum-slow'))).toEqual([]);
  });

  it('keeps one whole version under concurrent uploads', async () => {
    await using server = await startTestServer();
    const versions = Array.from({ length: 6 }, (_, index) =>
      Buffer.alloc(2_000_000, String.fromCharCode(65 + index)),
    );
    const responses = await Promise.all(
      versions.map((content) => upload(server, 'same.bin', content)),
    );
    expect(responses.map((response) => response.status)).toEqual(versions.map(() => 200));
    const stored = Buffer.from(
      await (await server.api('/storage/download/same.bin')).arrayBuffer(),
    );
    expect(versions.some((version) => version.equals(stored))).toBe(true);
    expect(await readdir(dataDirLayout(server.dataDir).staging)).toEqual([]);
  });

  it('never follows links that lead out of the bucket', async () => {
    await using server = await startTestServer();
    const secret = join(server.dataDir, 'host-secret.txt');
    await writeFile(secret, 'host only');
    await symlink(secret, join(server.bucketDir, 'file-link'));
    await symlink(server.dataDir, join(server.bucketDir, 'folder-link'));

    expect((await server.api('/storage/download/file-link')).status).toBe(404);
    expect((await server.api('/storage/download/folder-link/host-secret.txt')).status).toBe(404);
    const listing = (await (await server.api('/storage/list-files')).json()) as { key: string }[];
    expect(listing).toEqual([]);

    const write = await upload(server, 'folder-link/planted.txt', 'x');
    expect(write.status).toBe(409);
    await expect(readFile(join(server.dataDir, 'planted.txt'))).rejects.toThrow();
    expect(
      (await server.api('/storage/delete/folder-link/host-secret.txt', { method: 'DELETE' }))
        .status,
    ).toBe(404);
    expect(await readFile(secret, 'utf8')).toBe('host only');
    await server.api('/storage/delete-folder/folder-link', { method: 'DELETE' });
    expect(await readFile(secret, 'utf8')).toBe('host only');
  });

  it('records the ETag of the version that stays after concurrent uploads', async () => {
    await using server = await startTestServer();
    for (let round = 0; round < 5; round++) {
      const versions = Array.from({ length: 32 }, (_, index) => `round ${round} version ${index}`);
      await Promise.all(versions.map((content) => upload(server, 'race.txt', content)));
      const download = await server.api('/storage/download/race.txt');
      const stored = await download.text();
      const listing = (await (await server.api('/storage/list-files')).json()) as {
        key: string;
        etag: string;
      }[];
      expect(versions).toContain(stored);
      expect(listing.find((item) => item.key === 'race.txt')?.etag).toBe(md5(stored));
    }
  });

  it('never opens anything behind a linked folder', async () => {
    await using server = await startTestServer();
    const outside = join(server.dataDir, 'outside');
    await mkdir(outside);
    await execFileAsync('mkfifo', [join(outside, 'pipe')]);
    await symlink(outside, join(server.bucketDir, 'linked'));
    // The writer blocks until something opens the pipe for reading.
    const writer = spawn('sh', ['-c', `echo x > ${join(outside, 'pipe')}`]);
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    try {
      expect((await server.api('/storage/download/linked/pipe')).status).toBe(404);
      const result = await Promise.race([
        exited.then(() => 'opened'),
        new Promise((resolve) => setTimeout(() => resolve('still blocked'), 500)),
      ]);
      expect(result).toBe('still blocked');
    } finally {
      writer.kill();
    }
  });

  it('never follows links inside the bucket either', async () => {
    await using server = await startTestServer();
    await mkdir(join(server.bucketDir, 'real/deeper'), { recursive: true });
    await writeFile(join(server.bucketDir, 'real/deeper/data.txt'), 'data');
    await symlink(join(server.bucketDir, 'real'), join(server.bucketDir, 'alias'));
    await symlink('deeper', join(server.bucketDir, 'real/relative'));

    expect((await server.api('/storage/download/real/deeper/data.txt')).status).toBe(200);
    expect((await server.api('/storage/download/alias/deeper/data.txt')).status).toBe(404);
    expect((await server.api('/storage/download/real/relative/data.txt')).status).toBe(404);
  });

  it('answers 404 at once for a named pipe', async () => {
    await using server = await startTestServer();
    await execFileAsync('mkfifo', [join(server.bucketDir, 'pipe')]);
    const response = await server.api('/storage/download/pipe', {
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(404);
  });

  it('answers 404 for a device node without opening it', async () => {
    await using server = await startTestServer();
    await execFileAsync('mknod', [join(server.bucketDir, 'device'), 'c', '1', '3']);
    expect((await server.api('/storage/download/device')).status).toBe(404);
    const listing = (await (await server.api('/storage/list-files')).json()) as unknown[];
    expect(listing).toEqual([]);
  });

  it('answers 404 for a missing object and unknown routes', async () => {
    await using server = await startTestServer();
    expect((await server.api('/storage/download/none.txt')).status).toBe(404);
    expect((await server.api('/no/such/route')).status).toBe(404);
  });
});
