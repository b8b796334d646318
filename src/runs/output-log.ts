import { EventEmitter, once } from 'node:events';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { OutputMasker } from './output-masker.js';

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * A run's output, kept as a file in the data directory so it outlives the container and the
 * server. Appends are synchronous, so readers always see output in the order it came; readers
 * follow the file from any offset and are woken when more arrives or the log is closed.
 */
export class OutputLog {
  private readonly changes = new EventEmitter();
  private fd: number | undefined;
  private size = 0;
  private closed = false;
  private masker: OutputMasker | undefined;

  private constructor(readonly path: string) {
    this.changes.setMaxListeners(0);
  }

  /** Opens a log for a new or resumed run; `truncate` starts it again from empty. */
  static async open(path: string, truncate = false): Promise<OutputLog> {
    const log = new OutputLog(path);
    if (truncate) await writeFile(path, '');
    log.fd = openSync(path, 'a');
    log.size = (await stat(path)).size;
    return log;
  }

  /** A closed, read-only view of the output of a finished run. */
  static async finished(path: string): Promise<OutputLog> {
    const log = new OutputLog(path);
    log.size = (await stat(path).catch(() => ({ size: 0 }))).size;
    log.closed = true;
    return log;
  }

  /** Masks these values in everything appended from now on, such as a run's credentials. */
  maskSecrets(secrets: string[]): void {
    this.masker = new OutputMasker(secrets);
  }

  append(chunk: Buffer): void {
    const visible = this.masker === undefined ? chunk : this.masker.push(chunk);
    this.write(visible);
  }

  private write(chunk: Buffer): void {
    if (this.fd === undefined || chunk.length === 0) return;
    writeSync(this.fd, chunk);
    this.size += chunk.length;
    this.changes.emit('change');
  }

  close(): void {
    if (this.closed) return;
    if (this.masker !== undefined) this.write(this.masker.flush());
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.changes.emit('change');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Yields the output from `offset` on, then what is appended, until the log is closed or `signal` aborts. */
  async *follow(offset = 0, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let position = offset;
    const handle = await open(this.path, 'r').catch(() => undefined);
    if (handle === undefined) return;
    try {
      for (;;) {
        while (position < this.size) {
          const length = Math.min(READ_CHUNK_BYTES, this.size - position);
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
        if (this.closed && position >= this.size) return;
        if (signal?.aborted) return;
        try {
          await once(this.changes, 'change', signal === undefined ? {} : { signal });
        } catch {
          return;
        }
      }
    } finally {
      await handle.close();
    }
  }

  /** Streams the bytes written so far, as stored, without holding them in memory. */
  readStream(): Readable {
    if (this.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: 0, end: this.size - 1 });
  }

  /** Reads the output written so far, as text. */
  async readAll(): Promise<string> {
    const content = await readFile(this.path).catch(() => Buffer.alloc(0));
    return content.subarray(0, this.size).toString('utf8');
  }
}
