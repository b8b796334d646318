import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, fchmodSync, fsync, open, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InsufficientStorageError, PayloadTooLargeError } from '../errors/index.js';
import { promisify } from 'node:util';
import { FileSink, remainingAfter } from './file-sink.js';
import { readSmallBody } from './small-body.js';
import { TrailingMd5 } from './trailing-md5.js';

/** Uploads up to this size are hashed as they arrive; larger ones on a worker thread. */
const INLINE_HASH_BYTES = 8 * 1024 * 1024;
/**
 * Uploads up to this size are read into memory and written with synchronous calls, which cost far
 * less than a stream and the thread pool for each of a few small writes.
 */
const SMALL_UPLOAD_BYTES = 256 * 1024;
/** Every container user must be able to rewrite the object. */
const OBJECT_MODE = 0o666;
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);

/** A fully written, fsynced temporary file, with the size and MD5 of what was written. */
export interface StagedFile {
  path: string;
  size: number;
  md5: string;
}

/**
 * Streams `body` into a new file in `stagingDir`, hashing it on the way, and fsyncs it. On any
 * failure (a cut connection, a body over `maxBytes`, a full disk) the file is removed and the error
 * rethrown, so a failed upload leaves nothing behind.
 */
export async function writeStagedFile(
  stagingDir: string,
  body: Readable,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<StagedFile> {
  const path = join(stagingDir, `upload-${randomBytes(12).toString('hex')}`);
  try {
    const chunks = await readSmallBody(body, Math.min(SMALL_UPLOAD_BYTES, maxBytes));
    if (chunks !== undefined) return await writeSmallFile(path, chunks);
  } catch (error) {
    body.destroy();
    await unlink(path).catch(() => undefined);
    throw translateWriteError(error);
  }
  if (maxBytes < SMALL_UPLOAD_BYTES) {
    body.destroy();
    throw tooLarge(maxBytes);
  }
  const md5 = new UploadMd5(path);
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) {
        callback(tooLarge(maxBytes));
        return;
      }
      md5.update(chunk, size);
      callback(null, chunk);
    },
  });
  const sink = new FileSink(path, OBJECT_MODE, (written) => md5.written(written));
  try {
    // The pipeline takes the body at once, so an error it raises early is handled here.
    await pipeline(body, meter, sink);
    return { path, size, md5: await md5.digest(size) };
  } catch (error) {
    md5.cancel();
    await unlink(path).catch(() => undefined);
    throw translateWriteError(error);
  }
}

/** Writes a small upload that is already in memory to a new file at `path`, and fsyncs it. */
async function writeSmallFile(path: string, chunks: Buffer[]): Promise<StagedFile> {
  const md5 = createHash('md5');
  let size = 0;
  for (const chunk of chunks) {
    md5.update(chunk);
    size += chunk.length;
  }
  // Creating a file waits for the file system's journal while other writers fsync, so this one
  // call goes to the thread pool.
  const fd = await openAsync(path, 'wx', OBJECT_MODE);
  try {
    fchmodSync(fd, OBJECT_MODE);
    let written = 0;
    while (written < size) {
      written += writevSync(fd, remainingAfter(chunks, written));
    }
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
  return { path, size, md5: md5.digest('hex') };
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Upload is larger than the server's limit of ${maxBytes} bytes; split the file or raise the limit.`,
  );
}

/**
 * The MD5 of an upload. It is computed inline while the upload is small, and by a worker that reads
 * the file back once it grows past INLINE_HASH_BYTES, so large uploads do not wait on the hash.
 */
class UploadMd5 {
  private inline: Hash | undefined = createHash('md5');
  private onWorker = false;
  private trailing: TrailingMd5 | undefined;

  constructor(private readonly path: string) {}

  /** Hashes the next chunk inline, or moves to the worker; `size` counts the chunk and all before it. */
  update(chunk: Buffer, size: number): void {
    if (this.inline === undefined) return;
    if (size <= INLINE_HASH_BYTES) {
      this.inline.update(chunk);
      return;
    }
    // The worker reads from byte 0, so the inline hash so far is dropped.
    this.inline = undefined;
    this.onWorker = true;
  }

  /** Records that `bytes` have reached the file; the first report also means the file exists. */
  written(bytes: number): void {
    if (!this.onWorker) return;
    this.trailing ??= TrailingMd5.start(this.path);
    this.trailing.advance(bytes);
  }

  async digest(size: number): Promise<string> {
    if (!this.onWorker) return this.inline!.digest('hex');
    this.trailing ??= TrailingMd5.start(this.path);
    return this.trailing.finish(size);
  }

  cancel(): void {
    this.trailing?.cancel();
  }
}

function translateWriteError(error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new InsufficientStorageError(
      "The server's disk is full; free space in its data directory and try again.",
      { cause: error },
    );
  }
  return error;
}
