import type { Readable } from 'node:stream';

/** One object as listings and reads describe it. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag: string;
  contentType: string;
  userMetadata: Record<string, string>;
  /** The whole object's checksums that its upload declared and the server verified, by header name. */
  checksums: Record<string, string>;
}

/** An inclusive byte range of an object, as resolved from a Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectRead {
  info: ObjectInfo;
  body: Readable;
  /** The bytes that `body` yields, when the store already read them because they are few. */
  content?: Buffer;
}

export interface WriteOptions {
  contentType?: string | undefined;
  userMetadata?: Record<string, string> | undefined;
  /** Bodies longer than this are rejected with PayloadTooLargeError and leave nothing behind. */
  maxBytes?: number | undefined;
  /** The ETag to record in place of the content's MD5, such as a multipart upload's `md5-N`. */
  etag?: string | undefined;
  /** Verified checksums of the whole content to keep with the object, by header name. */
  checksums?: Record<string, string> | undefined;
  /**
   * Conditions of the write. `ifNoneMatch: '*'` stores the object only if the key has none yet.
   * `ifMatch` stores it only over an object with this ETag, or any object with `*`. A write whose
   * condition fails rejects with PreconditionFailedError.
   */
  ifNoneMatch?: '*' | undefined;
  ifMatch?: string | undefined;
}

export interface ListOptions {
  prefix?: string | undefined;
  /** Only keys after this one, in S3's byte order. */
  startAfter?: string | undefined;
}

/**
 * Bytes received in full and made durable, but not yet visible under any key. Commit publishes
 * them atomically; discard drops them. Exactly one of the two must be called.
 */
export interface StagedObject {
  readonly size: number;
  readonly etag: string;
  commit(key: string, options?: WriteOptions): Promise<ObjectInfo>;
  discard(): Promise<void>;
}

/**
 * The storage of buckets. The embedded directory store is one implementation; the rest of the product
 * talks to this interface only.
 */
export interface ObjectStore {
  createBucket(bucket: string): Promise<void>;
  /** A host folder that shows the bucket's objects as files, for bind-mounting into runs. */
  mountSource(bucket: string): Promise<string>;
  stage(bucket: string, body: Readable, options?: WriteOptions): Promise<StagedObject>;
  put(bucket: string, key: string, body: Readable, options?: WriteOptions): Promise<ObjectInfo>;
  head(bucket: string, key: string): Promise<ObjectInfo>;
  /** Opens an object for reading; `range` is resolved against its size by the caller's callback. */
  read(
    bucket: string,
    key: string,
    chooseRange?: (info: ObjectInfo) => ByteRange | undefined,
  ): Promise<ObjectRead & { range: ByteRange | undefined }>;
  list(bucket: string, options?: ListOptions): AsyncGenerator<ObjectInfo>;
  delete(bucket: string, key: string): Promise<void>;
  /** Deletes every object under `folder` (which ends in `/`) and returns how many there were. */
  deleteFolder(bucket: string, folder: string): Promise<number>;
}
