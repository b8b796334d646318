import { closeSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * A writable stream into a new file that writes each chunk with a synchronous call. A download is
 * the CLI's only task, and a write into the page cache takes microseconds, while handing it to
 * libuv's thread pool costs tens of microseconds per chunk.
 */
export class DownloadFile extends Writable {
  private fd: number | undefined;
  private position = 0;

  constructor(
    private readonly path: string,
    private readonly onWritten: (bytes: number) => void = () => undefined,
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
      this.onWritten(chunk.length);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (fd !== undefined) closeSync(fd);
      callback(error);
    } catch (closeError) {
      callback(error ?? (closeError as Error));
    }
  }
}
