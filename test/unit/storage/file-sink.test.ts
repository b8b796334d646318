import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink } from '../../../src/storage/file-sink.js';

describe('FileSink', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-sink-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes chunks in order and reports totals', async () => {
    const chunks = Array.from({ length: 200 }, (_, index) => randomBytes(1000 + index * 997));
    const path = join(dir, 'out');
    const reported: number[] = [];
    const sink = new FileSink(path, 0o640, (written) => reported.push(written));
    await pipeline(Readable.from(chunks), sink);

    const expected = Buffer.concat(chunks);
    expect((await readFile(path)).equals(expected)).toBe(true);
    expect(sink.written).toBe(expected.length);
    expect(reported.at(-1)).toBe(expected.length);
    expect(reported).toEqual([...reported].sort((a, b) => a - b));
  });

  it('sets the given mode despite the umask', async () => {
    const path = join(dir, 'out');
    await pipeline(Readable.from([Buffer.from('x')]), new FileSink(path, 0o666));
    expect((await stat(path)).mode & 0o777).toBe(0o666);
  });

  it('goes on writing past the early flush size', async () => {
    const data = randomBytes(70 * 1024 * 1024);
    const path = join(dir, 'out');
    await pipeline(
      Readable.from([data.subarray(0, 40e6), data.subarray(40e6)]),
      new FileSink(path, 0o600),
    );
    expect((await readFile(path)).equals(data)).toBe(true);
  });

  it('rejects an existing file', async () => {
    const path = join(dir, 'out');
    await writeFile(path, 'kept');
    await expect(
      pipeline(Readable.from([Buffer.from('new')]), new FileSink(path, 0o600)),
    ).rejects.toThrow(/EEXIST/);
    expect(await readFile(path, 'utf8')).toBe('kept');
  });
});
