import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { chmod, mkdtemp, open, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DerivedEtags, MAX_HASHED_FILE_BYTES } from '../../../src/storage/derived-etags.js';

const VERSION_ETAG = /^[0-9a-f]{32}-1$/;

function md5(content: Buffer | string): string {
  return createHash('md5').update(content).digest('hex');
}

describe('DerivedEtags', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-etags-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function etagOf(path: string, etags = new DerivedEtags()): Promise<string> {
    const handle = await open(path, 'r');
    try {
      return await etags.derive(handle, await handle.stat({ bigint: true }));
    } finally {
      await handle.close();
    }
  }

  it('hashes a file at the limit', async () => {
    const content = Buffer.alloc(MAX_HASHED_FILE_BYTES, 7);
    const path = join(dir, 'at-limit.bin');
    await writeFile(path, content);
    expect(await etagOf(path)).toBe(md5(content));
  });

  it('hashes an empty file', async () => {
    const path = join(dir, 'empty');
    await writeFile(path, '');
    expect(await etagOf(path)).toBe(md5(''));
  });

  it('names a larger file by version', async () => {
    const path = join(dir, 'sparse.bin');
    await writeFile(path, '');
    await truncate(path, 8 * 1024 ** 4);
    const etag = await etagOf(path);
    expect(etag).toMatch(VERSION_ETAG);
    expect(await etagOf(path)).toBe(etag);
  });

  it('changes version ETag with each change', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, '');
    await truncate(path, MAX_HASHED_FILE_BYTES + 1);
    const first = await etagOf(path);
    await truncate(path, MAX_HASHED_FILE_BYTES + 2);
    const grown = await etagOf(path);
    await utimes(path, new Date(1_000_000), new Date(2_000_000));
    const touched = await etagOf(path);
    await chmod(path, 0o600);
    const changed = await etagOf(path);
    expect(new Set([first, grown, touched, changed]).size).toBe(4);
  });

  it('shares one hash between callers', async () => {
    const path = join(dir, 'shared.txt');
    await writeFile(path, 'shared');
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat({ bigint: true });
      let reads = 0;
      const counting = {
        read: (...args: Parameters<FileHandle['read']>) => {
          reads += 1;
          return handle.read(...args);
        },
        stat: handle.stat.bind(handle),
      } as unknown as FileHandle;
      const etags = new DerivedEtags();
      const results = await Promise.all([
        etags.derive(counting, stats),
        etags.derive(counting, stats),
        etags.derive(counting, stats),
      ]);
      expect(results).toEqual([md5('shared'), md5('shared'), md5('shared')]);
      expect(reads).toBe(1);
    } finally {
      await handle.close();
    }
  });

  it('names a changing file by version', async () => {
    const path = join(dir, 'moving.txt');
    await writeFile(path, 'before');
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat({ bigint: true });
      const changing = {
        read: async (...args: Parameters<FileHandle['read']>) => {
          const result = await handle.read(...args);
          await writeFile(path, 'after, and longer');
          return result;
        },
        stat: handle.stat.bind(handle),
      } as unknown as FileHandle;
      const etag = await new DerivedEtags().derive(changing, stats as BigIntStats);
      expect(etag).toMatch(VERSION_ETAG);
    } finally {
      await handle.close();
    }
  });
});
