import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

const BUFFER_BYTES = 4 * 1024 * 1024;
/** Dirty data past this much is handed to the disk while the upload goes on. */
const EARLY_SYNC_BYTES = 64 * 1024 * 1024;

/**
 * A writable stream that creates a new file and writes into it. It reports the bytes that have
 * reached the file after each write. It starts a flush to disk every 64 MiB, so the final fsync
 * finds little left to do, and it closes the file when it ends either way. The file is created in
 * `_construct`, so a pipeline can take the stream at once.
 */
export class FileSink extends Writable {
  /** Bytes the kernel has accepted so far. */
  written = 0;
  private handle: FileHandle | undefined;
  private unsynced = 0;
  private earlySync: Promise<void> | undefined;
  private earlySyncError: Error | undefined;

  /** `mode` is set on the file as given, whatever the umask. */
  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly onWritten: (written: number) => void = () => undefined,
  ) {
    super({ highWaterMark: BUFFER_BYTES });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    (async () => {
      this.handle = await open(this.path, 'wx', this.mode);
      await this.handle.chmod(this.mode);
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (handle === undefined) {
      callback(error);
      return;
    }
    // A datasync may still be using the handle, so closing waits for it.
    Promise.resolve(this.earlySync)
      .then(() => handle.close())
      .then(
        () => callback(error),
        (closeError: Error) => callback(error ?? closeError),
      );
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.earlySync;
      if (this.earlySyncError !== undefined) throw this.earlySyncError;
      await this.handle!.sync();
    })().then(() => callback(), callback);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle!.writev(pending);
      this.written += bytesWritten;
      this.unsynced += bytesWritten;
      pending = remainingAfter(pending, bytesWritten);
    }
    this.onWritten(this.written);
    this.syncEarlyIfDue();
  }

  private syncEarlyIfDue(): void {
    if (this.unsynced < EARLY_SYNC_BYTES || this.earlySync !== undefined) return;
    this.unsynced = 0;
    this.earlySync = this.handle!.datasync().then(
      () => {
        this.earlySync = undefined;
      },
      (error: Error) => {
        this.earlySyncError ??= error;
        this.earlySync = undefined;
      },
    );
  }
}

/** Returns the buffers left after a write that took `count` bytes from the front, usually none. */
export function remainingAfter(buffers: Buffer[], count: number): Buffer[] {
  let skipped = count;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (skipped >= buffer.length) {
      skipped -= buffer.length;
      continue;
    }
    rest.push(skipped > 0 ? buffer.subarray(skipped) : buffer);
    skipped = 0;
  }
  return rest;
}
