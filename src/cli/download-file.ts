import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

/** Written data past this much is handed to the disk while the download goes on. */
const EARLY_FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * A writable stream into a new file that writes each chunk with a synchronous call. A download is
 * the CLI's only task, and a write into the page cache takes microseconds, while handing it to
 * libuv's thread pool costs tens of microseconds per chunk.
 *
 * Every 64 MiB it starts an `fdatasync` in the background, so the disk writes the file while the
 * rest arrives instead of after the command ends, and unwritten data of a large download does not
 * pile up in memory. It does not wait for the disk at the end.
 */
export class DownloadFile extends Writable {
  /** How many background flushes have started. */
  flushesStarted = 0;
  private fd: number | undefined;
  private position = 0;
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private flushError: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly onWritten: (bytes: number) => void = () => undefined,
    private readonly earlyFlushBytes = EARLY_FLUSH_BYTES,
  ) {
    super({ decodeStrings: true });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    try {
      this.fd = openSync(this.path, 'w', 0o666);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.flushError !== undefined) {
      callback(this.flushError);
      return;
    }
    try {
      let written = 0;
      while (written < chunk.length) {
        written += writeSync(
          this.fd!,
          chunk,
          written,
          chunk.length - written,
          this.position + written,
        );
      }
      this.position += chunk.length;
      this.unflushed += chunk.length;
      this.onWritten(chunk.length);
      this.flushIfDue();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    Promise.resolve(this.flushing).then(() => callback(this.flushError));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    // A flush may still be using the descriptor, so closing waits for it.
    Promise.resolve(this.flushing).then(() => {
      try {
        if (fd !== undefined) closeSync(fd);
        callback(error);
      } catch (closeError) {
        callback(error ?? (closeError as Error));
      }
    });
  }

  private flushIfDue(): void {
    if (this.unflushed < this.earlyFlushBytes || this.flushing !== undefined) return;
    this.unflushed = 0;
    this.flushesStarted += 1;
    const fd = this.fd!;
    this.flushing = new Promise((resolve) => {
      fdatasync(fd, (error) => {
        this.flushError ??= error ?? undefined;
        this.flushing = undefined;
        resolve();
      });
    });
  }
}
