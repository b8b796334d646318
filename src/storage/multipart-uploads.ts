import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { SqliteDatabase } from '../db/database.js';
import { PayloadTooLargeError, TooManyRequestsError } from '../errors/index.js';
import { KeyedLock } from './keyed-lock.js';
import type { ObjectInfo, ObjectStore, WriteOptions } from './object-store.js';
import { writeStagedFile } from './staged-file.js';

/** S3's smallest part size for every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string | null;
  userMetadata: Record<string, string> | null;
  createdAt: string;
}

export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
}

/** Uploads in progress one bucket may have, which also bounds the work of listing them. */
const MAX_UPLOADS_PER_BUCKET = 10_000;

/** An upload that was completed or aborted while a request for it waited. */
export class UploadGoneError extends Error {
  constructor(readonly uploadId: string) {
    super(`Multipart upload ${uploadId} was completed or aborted.`);
  }
}

/** The reason CompleteMultipartUpload rejected the list of parts. */
export class PartListError extends Error {
  constructor(
    readonly reason: 'invalid-part' | 'invalid-order' | 'too-small',
    message: string,
  ) {
    super(message);
  }
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  content_type: string | null;
  user_metadata: string | null;
  created_at: string;
}

interface PartRow {
  part_number: number;
  size: number;
  etag: string;
  last_modified: string;
}

/**
 * Multipart uploads in progress. Parts live under their own folder of the data directory, outside
 * every bucket, and their records in SQLite; completing an upload concatenates the parts into a
 * staged object that is published atomically like any other write.
 */
export class MultipartUploads {
  /**
   * Serialises the steps that change one upload's parts: storing a part, completing, aborting.
   * So a part stored again during CompleteMultipartUpload either lands before it, and fails its
   * ETag check, or after it, on an upload that is gone.
   */
  private readonly locks = new KeyedLock();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: ObjectStore,
    private readonly partsDir: string,
    private readonly stagingDir: string,
    private readonly now: () => Date = () => new Date(),
    private readonly maxUploadsPerBucket = MAX_UPLOADS_PER_BUCKET,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.partsDir, { recursive: true, mode: 0o700 });
  }

  async create(
    bucket: string,
    key: string,
    options: {
      contentType?: string | undefined;
      userMetadata?: Record<string, string> | undefined;
    },
  ): Promise<MultipartUpload> {
    const inProgress = this.db
      .prepare<[string], { count: number }>(
        'SELECT COUNT(*) AS count FROM multipart_uploads WHERE bucket = ?',
      )
      .get(bucket)!.count;
    if (inProgress >= this.maxUploadsPerBucket) {
      throw new TooManyRequestsError(
        `The bucket has ${inProgress} multipart uploads in progress, the limit; complete ` +
          'or abort some first ("rclone backend cleanup", "aws s3api abort-multipart-upload").',
      );
    }
    const upload: MultipartUpload = {
      uploadId: randomBytes(24).toString('base64url'),
      bucket,
      key,
      contentType: options.contentType ?? null,
      userMetadata: options.userMetadata ?? null,
      createdAt: this.now().toISOString(),
    };
    await mkdir(this.uploadDir(upload.uploadId), { mode: 0o700 });
    this.db
      .prepare(
        `INSERT INTO multipart_uploads (upload_id, bucket, key, content_type, user_metadata, created_at, last_activity_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        upload.uploadId,
        bucket,
        key,
        upload.contentType,
        upload.userMetadata === null ? null : JSON.stringify(upload.userMetadata),
        upload.createdAt,
        upload.createdAt,
      );
    return upload;
  }

  /** Returns the upload if it exists in this bucket under this key. */
  find(bucket: string, key: string, uploadId: string): MultipartUpload | undefined {
    const row = this.db
      .prepare<[string, string, string], UploadRow>(
        'SELECT * FROM multipart_uploads WHERE upload_id = ? AND bucket = ? AND key = ?',
      )
      .get(uploadId, bucket, key);
    return row === undefined ? undefined : toUpload(row);
  }

  /**
   * Stores one part from `body`, replacing an earlier part with the same number. `verify` runs
   * once the bytes are on disk and before the part becomes visible; when it throws, nothing changes.
   */
  async putPart(
    upload: MultipartUpload,
    partNumber: number,
    body: Readable,
    options: { verify?: () => Promise<void>; maxBytes?: number } = {},
  ): Promise<UploadedPart> {
    const staged = await writeStagedFile(this.stagingDir, body, options.maxBytes);
    return this.locks.run(upload.uploadId, async () => {
      try {
        if (!this.exists(upload.uploadId)) throw new UploadGoneError(upload.uploadId);
        this.checkPartsSize(upload.uploadId, partNumber, staged.size, options.maxBytes);
        await options.verify?.();
        await rename(staged.path, this.partPath(upload.uploadId, partNumber));
      } catch (error) {
        await rm(staged.path, { force: true });
        throw error;
      }
      return this.recordPart(upload, partNumber, staged.size, staged.md5);
    });
  }

  private recordPart(
    upload: MultipartUpload,
    partNumber: number,
    size: number,
    md5: string,
  ): UploadedPart {
    const part: UploadedPart = {
      partNumber,
      size,
      etag: md5,
      lastModified: this.now().toISOString(),
    };
    this.db
      .prepare(
        `INSERT INTO multipart_parts (upload_id, part_number, size, etag, last_modified) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           last_modified = excluded.last_modified`,
      )
      .run(upload.uploadId, partNumber, part.size, part.etag, part.lastModified);
    this.touch(upload.uploadId);
    return part;
  }

  listParts(uploadId: string): UploadedPart[] {
    return this.db
      .prepare<[string], PartRow>(
        'SELECT part_number, size, etag, last_modified FROM multipart_parts WHERE upload_id = ? ORDER BY part_number',
      )
      .all(uploadId)
      .map((row) => ({
        partNumber: row.part_number,
        size: row.size,
        etag: row.etag,
        lastModified: row.last_modified,
      }));
  }

  /** Returns the bucket's uploads in progress whose keys start with `prefix`, by key and age. */
  listUploads(bucket: string, prefix = ''): MultipartUpload[] {
    return this.db
      .prepare<[string, string, string], UploadRow>(
        'SELECT * FROM multipart_uploads WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key, created_at',
      )
      .all(bucket, prefix, `${prefix}\u{10FFFF}`)
      .map(toUpload)
      .filter((upload) => upload.key.startsWith(prefix));
  }

  /**
   * Joins the listed parts into the object. Every listed part must exist with the given ETag, in
   * ascending order, and all but the last must be at least 5 MiB. The ETag is S3's: the MD5 of the
   * parts' binary MD5s, then `-` and the number of parts. When the write's `conditions` fail, the
   * upload stays, so it can be completed again.
   */
  async complete(
    upload: MultipartUpload,
    requested: { partNumber: number; etag: string }[],
    maxBytes = Number.POSITIVE_INFINITY,
    conditions: Pick<WriteOptions, 'ifNoneMatch' | 'ifMatch'> = {},
  ): Promise<ObjectInfo> {
    return this.locks.run(upload.uploadId, () =>
      this.completeNow(upload, requested, maxBytes, conditions),
    );
  }

  private async completeNow(
    upload: MultipartUpload,
    requested: { partNumber: number; etag: string }[],
    maxBytes: number,
    conditions: Pick<WriteOptions, 'ifNoneMatch' | 'ifMatch'>,
  ): Promise<ObjectInfo> {
    if (!this.exists(upload.uploadId)) throw new UploadGoneError(upload.uploadId);
    const stored = new Map(this.listParts(upload.uploadId).map((part) => [part.partNumber, part]));
    if (requested.length === 0) {
      throw new PartListError('invalid-part', 'CompleteMultipartUpload needs at least one part.');
    }
    const parts: UploadedPart[] = [];
    for (const [index, entry] of requested.entries()) {
      if (index > 0 && entry.partNumber <= requested[index - 1]!.partNumber) {
        throw new PartListError('invalid-order', 'Parts must be listed in ascending order.');
      }
      const part = stored.get(entry.partNumber);
      if (part === undefined || part.etag !== entry.etag.replace(/"/g, '').toLowerCase()) {
        throw new PartListError(
          'invalid-part',
          `Part ${entry.partNumber} was not found or its ETag does not match.`,
        );
      }
      parts.push(part);
    }
    if (parts.slice(0, -1).some((part) => part.size < MIN_PART_BYTES)) {
      throw new PartListError('too-small', 'Every part but the last must be at least 5 MiB.');
    }
    const totalBytes = parts.reduce((sum, part) => sum + part.size, 0);
    if (totalBytes > maxBytes) {
      throw new PayloadTooLargeError(
        `The parts add up to ${totalBytes} bytes, over the server's limit of ${maxBytes} bytes ` +
          'for one object; split the data into several objects.',
      );
    }

    const etagHash = createHash('md5');
    for (const part of parts) etagHash.update(Buffer.from(part.etag, 'hex'));
    const etag = `${etagHash.digest('hex')}-${parts.length}`;
    const body = Readable.from(this.concatenate(upload.uploadId, parts));
    const info = await this.store.put(upload.bucket, upload.key, body, {
      etag,
      contentType: upload.contentType ?? undefined,
      userMetadata: upload.userMetadata ?? undefined,
      ...conditions,
    });
    await this.remove(upload.uploadId);
    return info;
  }

  async abort(uploadId: string): Promise<void> {
    await this.locks.run(uploadId, () => this.remove(uploadId));
  }

  /** Removes uploads with no activity for `maxIdleMs`; returns how many. */
  async removeIdle(maxIdleMs: number): Promise<number> {
    const cutoff = new Date(this.now().getTime() - maxIdleMs).toISOString();
    const idle = this.db
      .prepare<[string], { upload_id: string }>(
        'SELECT upload_id FROM multipart_uploads WHERE last_activity_at < ?',
      )
      .all(cutoff);
    for (const { upload_id: uploadId } of idle) {
      await this.locks.run(uploadId, () => this.remove(uploadId));
    }
    return idle.length;
  }

  private async *concatenate(uploadId: string, parts: UploadedPart[]): AsyncGenerator<Buffer> {
    for (const part of parts) {
      const stream = createReadStream(this.partPath(uploadId, part.partNumber), {
        highWaterMark: 1024 * 1024,
      });
      for await (const chunk of stream) yield chunk as Buffer;
    }
  }

  /**
   * Throws PayloadTooLargeError when the upload's parts, with this one in place of an earlier part
   * of its number, would add up to more than `maxBytes`, the largest object allowed.
   */
  private checkPartsSize(
    uploadId: string,
    partNumber: number,
    size: number,
    maxBytes = Number.POSITIVE_INFINITY,
  ): void {
    const others = this.db
      .prepare<[string, number], { total: number | null }>(
        'SELECT SUM(size) AS total FROM multipart_parts WHERE upload_id = ? AND part_number != ?',
      )
      .get(uploadId, partNumber)!.total;
    const total = (others ?? 0) + size;
    if (total > maxBytes) {
      throw new PayloadTooLargeError(
        `The upload's parts would hold ${total} bytes, over the server's limit of ${maxBytes} ` +
          'bytes for one object; split the data into several objects.',
      );
    }
  }

  private exists(uploadId: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM multipart_uploads WHERE upload_id = ?').get(uploadId) !==
      undefined
    );
  }

  private async remove(uploadId: string): Promise<void> {
    this.db.prepare('DELETE FROM multipart_uploads WHERE upload_id = ?').run(uploadId);
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  private touch(uploadId: string): void {
    this.db
      .prepare('UPDATE multipart_uploads SET last_activity_at = ? WHERE upload_id = ?')
      .run(this.now().toISOString(), uploadId);
  }

  private uploadDir(uploadId: string): string {
    return join(this.partsDir, uploadId);
  }

  private partPath(uploadId: string, partNumber: number): string {
    return join(this.uploadDir(uploadId), String(partNumber).padStart(5, '0'));
  }
}

function toUpload(row: UploadRow): MultipartUpload {
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    contentType: row.content_type,
    userMetadata:
      row.user_metadata === null ? null : (JSON.parse(row.user_metadata) as Record<string, string>),
    createdAt: row.created_at,
  };
}
