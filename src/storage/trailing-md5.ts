import { Worker } from 'node:worker_threads';

/**
 * The worker's program. It keeps one MD5 per file being written. Each message gives how far the
 * writer has got, and the worker reads the new bytes back from the page cache and hashes them.
 * Reading back costs less than copying every chunk across threads, and the writer waits for the
 * hash only once the upload has ended.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');

const sessions = new Map();
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);

function catchUp(session, written) {
  while (session.error === undefined && session.offset < written) {
    const length = Math.min(buffer.length, written - session.offset);
    const count = readSync(session.fd, buffer, 0, length, session.offset);
    if (count === 0) {
      session.error = 'the file ended at byte ' + session.offset + ' of ' + written;
      return;
    }
    session.hash.update(buffer.subarray(0, count));
    session.offset += count;
  }
}

function close(id, session) {
  sessions.delete(id);
  try { closeSync(session.fd); } catch {}
}

parentPort.on('message', (message) => {
  if (message.type === 'start') {
    try {
      const fd = openSync(message.path, 'r');
      sessions.set(message.id, { fd, hash: createHash('md5'), offset: 0, error: undefined });
    } catch (error) {
      sessions.set(message.id, { fd: -1, hash: undefined, offset: 0, error: error.message });
    }
    return;
  }
  const session = sessions.get(message.id);
  if (session === undefined) {
    if (message.type === 'finish') {
      parentPort.postMessage({ id: message.id, error: 'the worker has no hash for this file' });
    }
    return;
  }
  if (message.type === 'cancel') {
    close(message.id, session);
    return;
  }
  try {
    catchUp(session, message.written);
  } catch (error) {
    session.error = error.message;
  }
  if (message.type === 'finish') {
    close(message.id, session);
    parentPort.postMessage(session.error === undefined
      ? { id: message.id, md5: session.hash.digest('hex') }
      : { id: message.id, error: session.error });
  }
});
`;

type WorkerReply = { id: number; md5: string } | { id: number; error: string };

/** The one hashing worker of the process, started on first use. It keeps the process alive only while a digest is awaited. */
class Md5Worker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: WorkerReply) => void>();

  open(path: string): number {
    const id = this.nextId++;
    this.post({ type: 'start', id, path });
    return id;
  }

  advance(id: number, written: number): void {
    this.post({ type: 'advance', id, written });
  }

  cancel(id: number): void {
    this.post({ type: 'cancel', id });
  }

  finish(id: number, written: number): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.post({ type: 'finish', id, written });
      this.worker!.ref();
    });
  }

  private post(message: Record<string, unknown>): void {
    this.started().postMessage(message);
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      resolve?.(reply);
    });
    worker.on('error', (error) => this.fail(worker, error.message));
    worker.on('exit', (code) => this.fail(worker, `the hashing worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  /** Fails the hashes a dead worker owed; the next file starts a new worker. */
  private fail(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const [id, resolve] of this.waiting) resolve({ id, error: reason });
    this.waiting.clear();
  }
}

const sharedWorker = new Md5Worker();
/** Progress below this many bytes is not worth a message to the worker. */
const ADVANCE_STEP_BYTES = 1024 * 1024;

/**
 * The MD5 of a file that is still being written, computed on a worker thread that trails the
 * writer. The writer reports how many bytes have reached the file with `advance`, and `finish`
 * returns the digest once the worker has read everything up to the final size.
 */
export class TrailingMd5 {
  private reported = 0;

  private constructor(private readonly id: number) {}

  /** Starts hashing `path`, which must exist and is read only up to what `advance` reports. */
  static start(path: string): TrailingMd5 {
    return new TrailingMd5(sharedWorker.open(path));
  }

  /** Reports that `written` bytes have reached the file; small steps wait for the next report. */
  advance(written: number): void {
    if (written - this.reported < ADVANCE_STEP_BYTES) return;
    this.reported = written;
    sharedWorker.advance(this.id, written);
  }

  async finish(written: number): Promise<string> {
    const reply = await sharedWorker.finish(this.id, written);
    if ('error' in reply)
      throw new Error(`Computing the MD5 of the uploaded file failed: ${reply.error}`);
    return reply.md5;
  }

  cancel(): void {
    sharedWorker.cancel(this.id);
  }
}
