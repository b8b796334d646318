import { createHash, randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InsufficientStorageError, PayloadTooLargeError } from '../errors/index.js';

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

  const handle = await open(path, 'wx', 0o666);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new PayloadTooLargeError(
          `Upload is larger than the server's limit of ${maxBytes} bytes; split the file or raise the limit.`,
        );
      }
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
    // The mode given to open() is cut by the umask; every container user must be able to rewrite it.
    await handle.chmod(0o666);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw translateWriteError(error);
  }
  await handle.close();
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
