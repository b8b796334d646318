import {
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  lstatSync,
  openSync,
  read,
  readSync,
  type BigIntStats,
} from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { ObjectChangedError } from '../errors/index.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;
const readAsync = promisify(read);

/** Raised when a key names something that is not a regular file, such as a pipe or a folder. */
export class NotRegularFileError extends Error {}

/**
 * An object's file, open for reading. Opening and status calls are synchronous, as in
 * ContainedDirectory, while reads of any length stay asynchronous.
 */
export class ObjectFile {
  private fd: number | undefined;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * Opens the regular file at `path` (a path through a folder descriptor). Opening a device node
   * or a pipe that a run made can have effects, so the type is checked before the open, and
   * O_NONBLOCK and O_NOCTTY cover a special file swapped in after the check. Returns the file with
   * its status, which is checked to be the same file.
   */
  static openRegular(path: string): { file: ObjectFile; stats: BigIntStats } {
    const before = lstatSync(path, { bigint: true });
    if (!before.isFile()) throw new NotRegularFileError(`${path} is not a regular file.`);
    const file = new ObjectFile(openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
    try {
      const stats = fstatSync(file.descriptor(), { bigint: true });
      if (!stats.isFile() || stats.ino !== before.ino) {
        throw new NotRegularFileError(`${path} changed while it was opened.`);
      }
      return { file, stats };
    } catch (error) {
      file.close();
      throw error;
    }
  }

  async stat(_options: { bigint: true }): Promise<BigIntStats> {
    return fstatSync(this.descriptor(), { bigint: true });
  }

  /** Reads into `buffer` as FileHandle.read does. */
  async read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    const { bytesRead } = await readAsync(this.descriptor(), buffer, offset, length, position);
    return { bytesRead };
  }

  /** Reads `length` bytes from `start` at once; throws ObjectChangedError when the file is shorter. */
  readNow(start: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const count = readSync(this.descriptor(), buffer, filled, length - filled, start + filled);
      if (count === 0) break;
      filled += count;
    }
    if (filled < length) throw changedDuringRead(filled, length);
    return buffer;
  }

  /**
   * Returns a stream of the bytes from `start` to `end` inclusive; the stream closes the file. It
   * fails with ObjectChangedError when the file ends early, so a response that promised the
   * length is cut off instead of left waiting.
   */
  stream(start: number, end: number, chunkBytes: number): Readable {
    const fd = this.descriptor();
    this.fd = undefined;
    const file = createReadStream('', {
      fd,
      autoClose: true,
      highWaterMark: chunkBytes,
      start,
      end,
    });
    const expected = end - start + 1;
    let seen = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        callback(null, chunk);
      },
      flush(callback) {
        callback(seen < expected ? changedDuringRead(seen, expected) : null);
      },
    });
    file.on('error', (error) => counted.destroy(error));
    return file.pipe(counted).on('close', () => file.destroy());
  }

  /** Closes the file unless a stream took it over; closing twice does nothing. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error('The object file is already closed.');
    return this.fd;
  }
}

function changedDuringRead(read: number, expected: number): ObjectChangedError {
  return new ObjectChangedError(
    `The object's file ended after ${read} of ${expected} bytes: it changed while it was read. Retry the request.`,
  );
}
