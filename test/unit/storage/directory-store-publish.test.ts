import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { ConflictError, NotFoundError } from '../../../src/errors/index.js';
import { DirectoryStore } from '../../../src/storage/directory-store.js';
import { MetadataIndex } from '../../../src/storage/metadata-index.js';

/** Runs before the store's next renames, as a run that changes the bucket meanwhile would. */
const beforeRename = vi.hoisted(() => ({ hooks: [] as (() => Promise<void>)[] }));
/** Runs right after the store's next renames, as a run that changes the new file would. */
const afterRename = vi.hoisted(() => ({ hooks: [] as ((path: string) => Promise<void>)[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    rename: async (from: string, to: string) => {
      await beforeRename.hooks.shift()?.();
      await original.rename(from, to);
      await afterRename.hooks.shift()?.(to);
    },
  };
});

describe('DirectoryStore publishing', () => {
  let root: string;
  let db: SqliteDatabase;
  let store: DirectoryStore;
  let index: MetadataIndex;
  const bucketDir = () => join(root, 'buckets', 'bucket');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lyceum-publish-'));
    db = openDatabase(':memory:');
    index = new MetadataIndex(db);
    store = new DirectoryStore({
      bucketsDir: join(root, 'buckets'),
      stagingDir: join(root, 'staging'),
      metadata: index,
    });
    await store.init();
    await store.createBucket('bucket');
  });

  afterEach(async () => {
    beforeRename.hooks.length = 0;
    afterRename.hooks.length = 0;
    await store.close();
    db.close();
    await rm(root, { recursive: true, force: true });
  });

  it('derives metadata of a file rewritten after the rename', async () => {
    afterRename.hooks.push(async (path) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await writeFile(path, 'HELLO');
    });
    const checksums = { 'x-amz-checksum-crc32': 'NhCmhg==' };
    await store.put('bucket', 'a.txt', Readable.from([Buffer.from('hello')]), { checksums });
    const info = await store.head('bucket', 'a.txt');
    expect(info.etag).toBe(createHash('md5').update('HELLO').digest('hex'));
    expect(info.checksums).toEqual({});
  });

  it('keeps nothing of a file removed after the rename', async () => {
    afterRename.hooks.push((path) => rm(path));
    const info = await store.put('bucket', 'gone.txt', Readable.from([Buffer.from('hello')]));
    expect(info.size).toBe(5);
    await expect(store.head('bucket', 'gone.txt')).rejects.toThrow(NotFoundError);
  });

  it('rejects a folder made before the rename', async () => {
    beforeRename.hooks.push(() => mkdir(join(bucketDir(), 'taken')));
    const put = store.put('bucket', 'taken', Readable.from([Buffer.from('hello')]));
    await expect(put).rejects.toThrow(ConflictError);
    await expect(put).rejects.toThrow('names an existing folder');
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('retries when the folder vanishes before the rename', async () => {
    beforeRename.hooks.push(() => rm(join(bucketDir(), 'out'), { recursive: true }));
    const info = await store.put('bucket', 'out/a.txt', Readable.from([Buffer.from('hello')]));
    expect(info.size).toBe(5);
    expect(await readFile(join(bucketDir(), 'out', 'a.txt'), 'utf8')).toBe('hello');
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('fails after three vanished folders', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      beforeRename.hooks.push(() => rm(join(bucketDir(), 'out'), { recursive: true }));
    }
    await expect(
      store.put('bucket', 'out/a.txt', Readable.from([Buffer.from('hello')])),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('tells apart files with the same size and times', async () => {
    await store.put('bucket', 'same.txt', Readable.from([Buffer.from('first')]));
    const file = await lstat(join(bucketDir(), 'same.txt'), { bigint: true });
    // A second version renamed in within the same clock tick would leave this very entry.
    index.put('bucket', {
      key: 'same.txt',
      size: 5,
      mtimeNs: file.mtimeNs.toString(),
      ctimeNs: file.ctimeNs.toString(),
      ino: (file.ino + 1n).toString(),
      etag: createHash('md5').update('other').digest('hex'),
      contentType: 'text/plain',
      userMetadata: { version: 'other' },
      checksums: null,
    });

    const info = await store.head('bucket', 'same.txt');
    expect(info.etag).toBe(createHash('md5').update('first').digest('hex'));
    expect(info.userMetadata).toEqual({});
  });

  it('checks a condition against a file a run wrote', async () => {
    await writeFile(join(bucketDir(), 'from-run.txt'), 'run output');
    const etag = createHash('md5').update('run output').digest('hex');
    const body = Readable.from([Buffer.from('replaced')]);
    const info = await store.put('bucket', 'from-run.txt', body, { ifMatch: `"${etag}"` });
    expect(info.etag).toBe(createHash('md5').update('replaced').digest('hex'));
  });

  it("keeps a new upload's metadata from an old reader", async () => {
    // Under the hashing limit, so a read of this file after a chmod hashes all of it.
    const old = Buffer.alloc(16 * 1024 * 1024 - 1, 1);
    for (let attempt = 0; attempt < 3; attempt++) {
      await store.put('bucket', 'model.bin', Readable.from([old]), { contentType: 'text/x-old' });
      await chmod(join(bucketDir(), 'model.bin'), 0o644);
      const reading = store.head('bucket', 'model.bin');
      await store.put('bucket', 'model.bin', Readable.from([Buffer.from('new')]), {
        contentType: 'text/x-new',
        userMetadata: { version: 'new' },
      });
      await reading;

      const info = await store.head('bucket', 'model.bin');
      expect(info.contentType).toBe('text/x-new');
      expect(info.userMetadata).toEqual({ version: 'new' });
    }
  });
});
