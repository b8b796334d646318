import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  read,
  readSync,
  type BigIntStats,
} from 'node:fs';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { changedDuringRead, changedSince, FileRangeStream } from './file-range-stream.js';

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

  private constructor(
    fd: number,
    private opened?: BigIntStats,
  ) {
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
      file.opened = stats;
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

  /**
   * Reads `length` bytes from `start` at once. Throws ObjectChangedError when the file is shorter
   * or was written since it was opened.
   */
  readNow(start: number, length: number): Buffer {
    const fd = this.descriptor();
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const count = readSync(fd, buffer, filled, length - filled, start + filled);
      if (count === 0) break;
      filled += count;
    }
    const changed =
      this.opened !== undefined && changedSince(this.opened, fstatSync(fd, { bigint: true }));
    if (filled < length || changed) throw changedDuringRead();
    return buffer;
  }

  /**
   * Returns a stream of the bytes from `start` to `end` inclusive, which takes the file over and
   * closes it. The stream fails with ObjectChangedError when the file ends early or was written
   * since it was opened, so a response that promised one version is cut off instead.
   */
  stream(start: number, end: number, chunkBytes: number): Readable {
    const fd = this.descriptor();
    this.fd = undefined;
    const opened = this.opened ?? fstatSync(fd, { bigint: true });
    return new FileRangeStream(fd, start, end, chunkBytes, opened);
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
