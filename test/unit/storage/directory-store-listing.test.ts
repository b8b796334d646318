import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { DirectoryStore } from '../../../src/storage/directory-store.js';
import { MetadataIndex } from '../../../src/storage/metadata-index.js';
import { compareKeys } from '../../../src/storage/object-key.js';

const KEYS = [
  'a',
  'a-b',
  'a.txt',
  'a/1',
  'a/2/x',
  'a/2/y',
  'a/20',
  'a/b',
  'ab/c',
  'b',
  'b/c/d/e',
  'bz',
  'é/1',
  'z',
  'Z',
  '0',
  'a/2-',
  'a/2.5',
].filter(
  (key, index, all) =>
    !all.some((other, otherIndex) => otherIndex !== index && other.startsWith(`${key}/`)),
);

describe('DirectoryStore listing', () => {
  let root: string;
  let db: SqliteDatabase;
  let store: DirectoryStore;
  const sorted = [...KEYS].sort(compareKeys);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lyceum-listing-'));
    db = openDatabase(':memory:');
    store = new DirectoryStore({
      bucketsDir: join(root, 'buckets'),
      stagingDir: join(root, 'staging'),
      metadata: new MetadataIndex(db),
    });
    await store.init();
    await store.createBucket('bucket');
    for (const key of KEYS) await store.put('bucket', key, Readable.from([Buffer.from(key)]));
  });

  afterAll(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });

  async function listed(options: { prefix?: string; startAfter?: string }): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of store.list('bucket', options)) keys.push(object.key);
    return keys;
  }

  it('lists every key in byte order', async () => {
    expect(await listed({})).toEqual(sorted);
  });

  it.each(['', 'a', 'a/', 'a/2', 'a/2/', 'b', 'é', 'zz'])('lists prefix %j', async (prefix) => {
    expect(await listed({ prefix })).toEqual(sorted.filter((key) => key.startsWith(prefix)));
  });

  it.each([...KEYS, 'a/', 'a/2', 'a/2/', 'a/1x', 'aa', '', 'zzz', 'a/2/x0', 'b/c/'])(
    'starts after %j',
    async (startAfter) => {
      expect(await listed({ startAfter })).toEqual(
        sorted.filter((key) => compareKeys(key, startAfter) > 0),
      );
    },
  );

  it('combines prefix and start-after', async () => {
    expect(await listed({ prefix: 'a/', startAfter: 'a/2/x' })).toEqual(
      sorted.filter((key) => key.startsWith('a/') && compareKeys(key, 'a/2/x') > 0),
    );
  });
});
