import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InsufficientStorageError, PayloadTooLargeError } from '../errors/index.js';

const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

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
  const hash = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) {
        callback(
          new PayloadTooLargeError(
            `Upload is larger than the server's limit of ${maxBytes} bytes; split the file or raise the limit.`,
          ),
        );
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // `flush` fsyncs the file before the stream closes; mode 0o666 is cut by the umask, so chmod
  // follows, because every container user must be able to rewrite the object.
  const file = createWriteStream(path, {
    flags: 'wx',
    mode: 0o666,
    flush: true,
    highWaterMark: WRITE_BUFFER_BYTES,
  });
  try {
    await pipeline(body, meter, file);
    await chmod(path, 0o666);
  } catch (error) {
    file.destroy();
    await unlink(path).catch(() => undefined);
    throw translateWriteError(error);
  }
  return { path, size, md5: hash.digest('hex') };
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
