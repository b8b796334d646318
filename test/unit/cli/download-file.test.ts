import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DownloadFile } from '../../../src/cli/download-file.js';

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('DownloadFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-download-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every chunk and reports it', async () => {
    const reported: number[] = [];
    const path = join(dir, 'out.bin');
    await pipeline(
      Readable.from([Buffer.from('ab'), Buffer.from('cde')]),
      new DownloadFile(path, (bytes) => reported.push(bytes)),
    );
    expect(await readFile(path, 'utf8')).toBe('abcde');
    expect(reported).toEqual([2, 3]);
  });

  it('hands written data to the disk while the download goes on', async () => {
    const path = join(dir, 'flushed.bin');
    const file = new DownloadFile(path, () => undefined, 4);
    const chunks = Array.from({ length: 6 }, (_, index) => Buffer.from(`chunk ${index};`));
    await pipeline(Readable.from(chunks), file);
    expect(file.flushesStarted).toBeGreaterThan(0);
    expect(await readFile(path, 'utf8')).toBe(chunks.join(''));
  });

  it('closes the file when the body fails', async () => {
    const before = openDescriptors();
    const body = new Readable({ read() {} });
    body.push(Buffer.from('ab'));
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(pipeline(body, new DownloadFile(join(dir, 'cut.bin')))).rejects.toThrow(
      'connection reset',
    );
    expect(openDescriptors()).toBe(before);
  });

  it('fails in a missing folder', async () => {
    await expect(
      pipeline(Readable.from([Buffer.from('ab')]), new DownloadFile(join(dir, 'no', 'out.bin'))),
    ).rejects.toThrow(/ENOENT/);
  });
});
