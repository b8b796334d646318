import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { DirectoryStore } from '../../../src/storage/directory-store.js';
import { MetadataIndex } from '../../../src/storage/metadata-index.js';
import { PayloadTooLargeError, TooManyRequestsError } from '../../../src/errors/index.js';
import {
  MultipartUploads,
  PartListError,
  UploadGoneError,
} from '../../../src/storage/multipart-uploads.js';

describe('MultipartUploads', () => {
  let root: string;
  let db: SqliteDatabase;
  let now: Date;
  let uploads: MultipartUploads;
  let store: DirectoryStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lyceum-multipart-'));
    db = openDatabase(':memory:');
    store = new DirectoryStore({
      bucketsDir: join(root, 'buckets'),
      stagingDir: join(root, 'staging'),
      metadata: new MetadataIndex(db),
    });
    await store.init();
    await store.createBucket('bucket');
    now = new Date('2026-01-01T00:00:00Z');
    uploads = new MultipartUploads(
      db,
      store,
      join(root, 'parts'),
      join(root, 'staging'),
      () => now,
    );
    await uploads.init();
  });

  afterEach(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });

  it('removes uploads idle past the limit', async () => {
    const idle = await uploads.create('bucket', 'idle.bin', {});
    now = new Date('2026-01-01T12:00:00Z');
    const active = await uploads.create('bucket', 'active.bin', {});
    await uploads.putPart(active, 1, Readable.from([Buffer.from('x')]));
    now = new Date('2026-01-02T06:00:00Z');

    expect(await uploads.removeIdle(24 * 3600 * 1000)).toBe(1);
    expect(uploads.find('bucket', 'idle.bin', idle.uploadId)).toBeUndefined();
    expect(uploads.find('bucket', 'active.bin', active.uploadId)).toBeDefined();
    expect(await readdir(join(root, 'parts'))).toEqual([active.uploadId]);
  });

  it('keeps a part invisible when its check fails', async () => {
    const upload = await uploads.create('bucket', 'checked.bin', {});
    await expect(
      uploads.putPart(upload, 1, Readable.from([Buffer.from('bad')]), {
        verify: async () => {
          throw new Error('digest mismatch');
        },
      }),
    ).rejects.toThrow('digest mismatch');
    expect(uploads.listParts(upload.uploadId)).toEqual([]);
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('rejects parts listed out of order', async () => {
    const upload = await uploads.create('bucket', 'order.bin', {});
    const first = await uploads.putPart(upload, 1, Readable.from([Buffer.alloc(5 * 1024 * 1024)]));
    const second = await uploads.putPart(upload, 2, Readable.from([Buffer.from('end')]));
    await expect(
      uploads.complete(upload, [
        { partNumber: 2, etag: second.etag },
        { partNumber: 1, etag: first.etag },
      ]),
    ).rejects.toBeInstanceOf(PartListError);
    const info = await uploads.complete(upload, [
      { partNumber: 1, etag: `"${first.etag}"` },
      { partNumber: 2, etag: second.etag },
    ]);
    expect(info.size).toBe(5 * 1024 * 1024 + 3);
    expect(info.etag).toMatch(/^[0-9a-f]{32}-2$/);
    expect(await readdir(join(root, 'parts'))).toEqual([]);
  });

  it('finishes a part stored during completion after it', async () => {
    const upload = await uploads.create('bucket', 'race.bin', {});
    const first = await uploads.putPart(upload, 1, Readable.from([Buffer.alloc(5 * 1024 * 1024)]));
    const second = await uploads.putPart(upload, 2, Readable.from([Buffer.from('AAA')]));

    const completing = uploads.complete(upload, [
      { partNumber: 1, etag: first.etag },
      { partNumber: 2, etag: second.etag },
    ]);
    const replacing = uploads.putPart(upload, 2, Readable.from([Buffer.from('BBB')]));

    const info = await completing;
    await expect(replacing).rejects.toBeInstanceOf(UploadGoneError);
    const content = await readFile(join(root, 'buckets', 'bucket', 'race.bin'));
    expect(content.subarray(-3).toString()).toBe('AAA');
    expect(info.size).toBe(5 * 1024 * 1024 + 3);
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('rejects parts over the size limit', async () => {
    const upload = await uploads.create('bucket', 'big.bin', {});
    await expect(
      uploads.putPart(upload, 1, Readable.from([Buffer.alloc(2048)]), { maxBytes: 1024 }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('rejects parts that together hold more than the size limit', async () => {
    const upload = await uploads.create('bucket', 'held.bin', {});
    const maxBytes = 3000;
    await uploads.putPart(upload, 1, Readable.from([Buffer.alloc(2000)]), { maxBytes });
    await expect(
      uploads.putPart(upload, 2, Readable.from([Buffer.alloc(2000)]), { maxBytes }),
    ).rejects.toThrow("The upload's parts would hold 4000 bytes");
    // A part stored again replaces the earlier one of its number, whose size no longer counts.
    await uploads.putPart(upload, 1, Readable.from([Buffer.alloc(2500)]), { maxBytes });
    expect(uploads.listParts(upload.uploadId).map((part) => part.size)).toEqual([2500]);
    expect(await readdir(join(root, 'staging'))).toEqual([]);
  });

  it('limits the uploads in progress of one bucket', async () => {
    const limited = new MultipartUploads(
      db,
      store,
      join(root, 'parts'),
      join(root, 'staging'),
      () => now,
      2,
    );
    await limited.create('bucket', 'one.bin', {});
    await limited.create('bucket', 'two.bin', {});
    await expect(limited.create('bucket', 'three.bin', {})).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
  });

  it('lists uploads under a prefix only', async () => {
    await uploads.create('bucket', 'a/1.bin', {});
    await uploads.create('bucket', 'b/1.bin', {});
    expect(uploads.listUploads('bucket', 'a/').map((upload) => upload.key)).toEqual(['a/1.bin']);
  });

  it('rejects a completion over the size limit', async () => {
    const upload = await uploads.create('bucket', 'total.bin', {});
    const first = await uploads.putPart(upload, 1, Readable.from([Buffer.alloc(5 * 1024 * 1024)]));
    const second = await uploads.putPart(upload, 2, Readable.from([Buffer.alloc(1024)]));
    const parts = [
      { partNumber: 1, etag: first.etag },
      { partNumber: 2, etag: second.etag },
    ];
    await expect(uploads.complete(upload, parts, 5 * 1024 * 1024)).rejects.toThrow(
      `The parts add up to ${5 * 1024 * 1024 + 1024} bytes`,
    );
    expect(uploads.listParts(upload.uploadId)).toHaveLength(2);
  });
});
