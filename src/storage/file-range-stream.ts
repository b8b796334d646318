import { closeSync, fstatSync, read, type BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import { ObjectChangedError } from '../errors/index.js';

/**
 * A stream of the bytes from `start` to `end` (inclusive) of an open file, which it owns and
 * closes. Before it sends the last chunk, it checks that the file's size and change times are
 * still those of `opened`, and fails with ObjectChangedError otherwise, so a response rarely ends
 * whole with bytes of another version than its headers describe.
 * NOTE: the check cannot catch every write in place. On ext4 a write can update the times before
 * its bytes land, and a reader then sees the new times before and after a mixed read. Runs that
 * replace files others read should write a new file and rename it, as the README advises.
 */
export class FileRangeStream extends Readable {
  private fd: number | undefined;
  private position: number;
  private reading = false;
  private closeWhenRead: (() => void) | undefined;

  constructor(
    fd: number,
    start: number,
    private readonly end: number,
    private readonly chunkBytes: number,
    private readonly opened: BigIntStats,
  ) {
    super({ highWaterMark: chunkBytes });
    this.fd = fd;
    this.position = start;
  }

  override _read(): void {
    const fd = this.fd!;
    const length = Math.min(this.chunkBytes, this.end + 1 - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.reading = true;
    read(fd, buffer, 0, length, this.position, (error, count) => {
      this.reading = false;
      if (this.closeWhenRead !== undefined) {
        this.closeWhenRead();
        return;
      }
      if (error !== null) {
        this.destroy(error);
        return;
      }
      this.position += count;
      const last = this.position > this.end;
      if (count === 0 || (last && changedSince(this.opened, fstatSync(fd, { bigint: true })))) {
        this.destroy(changedDuringRead());
        return;
      }
      this.push(count === length ? buffer : buffer.subarray(0, count));
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A read in flight still uses the descriptor, so closing waits for it.
    const close = () => {
      const fd = this.fd;
      this.fd = undefined;
      try {
        if (fd !== undefined) closeSync(fd);
        callback(error);
      } catch (closeError) {
        callback(error ?? (closeError as Error));
      }
    };
    if (this.reading) this.closeWhenRead = close;
    else close();
  }
}

/**
 * Tells whether a file's status shows a write since `opened` was taken. Deleting the file, or
 * replacing it by a rename, also moves its change time but leaves its bytes as they were, so a
 * change time that moved while the link count fell is not taken for a write.
 */
export function changedSince(opened: BigIntStats, now: BigIntStats): boolean {
  if (now.size !== opened.size || now.mtimeNs !== opened.mtimeNs) return true;
  return now.ctimeNs !== opened.ctimeNs && now.nlink >= opened.nlink;
}

export function changedDuringRead(): ObjectChangedError {
  return new ObjectChangedError(
    "The object's file changed while it was read, as a file a run is still writing does. " +
      'Retry the request once the run has finished writing it.',
  );
}
