import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrailingMd5 } from '../../../src/storage/trailing-md5.js';

describe('TrailingMd5', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-md5-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows a file as it grows', async () => {
    const path = join(dir, 'growing');
    const pieces = [randomBytes(5_000_000), randomBytes(1), randomBytes(3_333_333)];
    await writeFile(path, '');
    const md5 = TrailingMd5.start(path);
    let written = 0;
    for (const piece of pieces) {
      await appendFile(path, piece);
      written += piece.length;
      md5.advance(written);
    }
    const expected = createHash('md5').update(Buffer.concat(pieces)).digest('hex');
    expect(await md5.finish(written)).toBe(expected);
  });

  it('stops at the given size', async () => {
    const path = join(dir, 'longer');
    const data = randomBytes(1000);
    await writeFile(path, data);
    const md5 = TrailingMd5.start(path);
    expect(await md5.finish(600)).toBe(
      createHash('md5').update(data.subarray(0, 600)).digest('hex'),
    );
  });

  it('fails on a file shorter than given', async () => {
    const path = join(dir, 'short');
    await writeFile(path, 'abc');
    await expect(TrailingMd5.start(path).finish(10)).rejects.toThrow(/ended at byte 3 of 10/);
  });

  it('fails when the file does not exist', async () => {
    await expect(TrailingMd5.start(join(dir, 'missing')).finish(1)).rejects.toThrow(/ENOENT/);
  });

  it('forgets a cancelled file', async () => {
    const path = join(dir, 'cancelled');
    await writeFile(path, 'abc');
    const md5 = TrailingMd5.start(path);
    md5.advance(3);
    md5.cancel();
    await expect(md5.finish(3)).rejects.toThrow(/no hash for this file/);
  });
});
