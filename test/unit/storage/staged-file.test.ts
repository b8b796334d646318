import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadTooLargeError } from '../../../src/errors/index.js';
import { writeStagedFile } from '../../../src/storage/staged-file.js';

const MIB = 1024 * 1024;

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Returns a body that arrives in uneven chunks, as a socket delivers it. */
function chunked(data: Buffer, sizes = [65_536, 1, 300_000, 7]): Readable {
  return Readable.from(
    (function* () {
      let offset = 0;
      for (let index = 0; offset < data.length; index++) {
        const size = sizes[index % sizes.length]!;
        yield data.subarray(offset, offset + size);
        offset += size;
      }
    })(),
  );
}

describe('writeStagedFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-staged-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a small body and its MD5', async () => {
    const data = randomBytes(100_000);
    const staged = await writeStagedFile(dir, chunked(data));
    expect(staged.size).toBe(data.length);
    expect(staged.md5).toBe(md5(data));
    expect((await readFile(staged.path)).equals(data)).toBe(true);
  });

  it('writes an empty body', async () => {
    const staged = await writeStagedFile(dir, Readable.from([]));
    expect(staged.size).toBe(0);
    expect(staged.md5).toBe(md5(Buffer.alloc(0)));
  });

  it('hashes a large body on the worker', async () => {
    const data = randomBytes(80 * MIB + 12_345);
    const staged = await writeStagedFile(dir, chunked(data));
    expect(staged.size).toBe(data.length);
    expect(staged.md5).toBe(md5(data));
    expect(md5(await readFile(staged.path))).toBe(md5(data));
  });

  it('hashes bodies at the inline limit', async () => {
    for (const size of [8 * MIB, 8 * MIB + 1]) {
      const data = randomBytes(size);
      const staged = await writeStagedFile(dir, chunked(data, [MIB]));
      expect(staged.md5).toBe(md5(data));
    }
  });

  it('hashes several large bodies at once', async () => {
    const bodies = [randomBytes(20 * MIB), randomBytes(9 * MIB), randomBytes(33 * MIB)];
    const staged = await Promise.all(bodies.map((data) => writeStagedFile(dir, chunked(data))));
    expect(staged.map((file) => file.md5)).toEqual(bodies.map(md5));
  });

  it('leaves no file when the body fails part-way', async () => {
    const body = new Readable({ read() {} });
    body.push(randomBytes(12 * MIB));
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(writeStagedFile(dir, body)).rejects.toThrow('connection reset');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a body over the limit and leaves no file', async () => {
    const data = randomBytes(10 * MIB);
    await expect(writeStagedFile(dir, chunked(data), 9 * MIB)).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes bodies around the small-upload limit', async () => {
    for (const size of [256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1]) {
      const data = randomBytes(size);
      const staged = await writeStagedFile(dir, chunked(data, [1000, 70_000]));
      expect(staged.size).toBe(size);
      expect(staged.md5).toBe(md5(data));
      expect((await readFile(staged.path)).equals(data)).toBe(true);
      expect((await stat(staged.path)).mode & 0o777).toBe(0o666);
    }
  });

  it('leaves no file when a small body fails', async () => {
    const body = new Readable({ read() {} });
    body.push(randomBytes(1000));
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(writeStagedFile(dir, body)).rejects.toThrow('connection reset');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a small body closed early', async () => {
    const body = new Readable({ read() {} });
    body.push(randomBytes(1000));
    setImmediate(() => body.destroy());
    await expect(writeStagedFile(dir, body)).rejects.toThrow(/closed before its end/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('applies a limit below the small-upload size', async () => {
    const fits = await writeStagedFile(dir, chunked(randomBytes(1000)), 1000);
    expect(fits.size).toBe(1000);
    await expect(writeStagedFile(dir, chunked(randomBytes(1001)), 1000)).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(await readdir(dir)).toEqual([fits.path.split('/').pop()]);
  });

  it('fails without a staging folder', async () => {
    await expect(writeStagedFile(join(dir, 'missing'), chunked(randomBytes(10)))).rejects.toThrow(
      /ENOENT/,
    );
  });
});
