import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadTarget,
  partialPath,
  saveToFile,
  signalExitCode,
  writeToStdout,
} from '../../../src/cli/download-output.js';

/** Waits until a file named `name` exists in `folder`. */
async function waitForFile(folder: string, name: string): Promise<void> {
  while (!(await readdir(folder)).includes(name)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('signalExitCode', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGPIPE', 141],
  ] as const)('maps %s to %i', (signal, code) => {
    expect(signalExitCode(signal)).toBe(code);
  });
});

describe('saveToFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-save-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renames the partial file when complete', async () => {
    const target = join(dir, 'out.txt');
    const written: number[] = [];
    const result = await saveToFile(
      Readable.from([Buffer.from('ab'), Buffer.from('c')]),
      target,
      (bytes) => written.push(bytes),
    );
    expect(result).toEqual({ saved: true, signal: undefined });
    expect(await readFile(target, 'utf8')).toBe('abc');
    expect(await readdir(dir)).toEqual(['out.txt']);
    expect(written).toEqual([2, 1]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('removes the partial file on %s', async (signal) => {
    const target = join(dir, 'out.bin');
    const body = new PassThrough();
    body.write(Buffer.alloc(1024));
    const saving = saveToFile(body, target, () => undefined);
    await waitForFile(dir, 'out.bin.lyceum-part');

    process.emit(signal, signal);

    expect(await saving).toEqual({ saved: false, signal });
    expect(await readdir(dir)).toEqual([]);
    expect(body.destroyed).toBe(true);
  });

  it('removes its signal handlers when done', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    await saveToFile(Readable.from([Buffer.from('x')]), join(dir, 'x.txt'), () => undefined);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('removes the partial file on a body error', async () => {
    const body = new PassThrough();
    body.write(Buffer.from('ab'));
    const saving = saveToFile(body, join(dir, 'cut.bin'), () => undefined);
    await waitForFile(dir, 'cut.bin.lyceum-part');
    body.destroy(new Error('connection reset'));
    await expect(saving).rejects.toThrow('connection reset');
    expect(await readdir(dir)).toEqual([]);
  });

  it('explains a download cut by the server', async () => {
    const body = new PassThrough();
    body.write(Buffer.from('ab'));
    const saving = saveToFile(body, join(dir, 'cut.bin'), () => undefined);
    await waitForFile(dir, 'cut.bin.lyceum-part');
    body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(saving).rejects.toThrow(
      'The connection to the server closed during the download (removed ',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the partial file after the target', () => {
    expect(partialPath('data/out.csv')).toBe('data/out.csv.lyceum-part');
  });
});

describe('downloadTarget', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-target-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to the key file name', async () => {
    expect(await downloadTarget('data/x.csv', undefined)).toBe('x.csv');
  });

  it('writes into an existing folder', async () => {
    await mkdir(join(dir, 'in'));
    expect(await downloadTarget('data/x.csv', join(dir, 'in'))).toBe(join(dir, 'in', 'x.csv'));
  });

  it('makes a folder named with a slash', async () => {
    expect(await downloadTarget('x.csv', join(dir, 'new') + '/')).toBe(join(dir, 'new', 'x.csv'));
    expect(await readdir(dir)).toEqual(['new']);
  });

  it('keeps a file path as given', async () => {
    await writeFile(join(dir, 'old.csv'), 'old');
    expect(await downloadTarget('x.csv', join(dir, 'old.csv'))).toBe(join(dir, 'old.csv'));
  });
});

describe('writeToStdout', () => {
  it('copies the body and leaves stdout open', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const code = await writeToStdout(
      Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]),
      stdout,
    );
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe('a,b\n1,2\n');
    expect(stdout.writableEnded).toBe(false);
  });

  it('returns 141 when the reader closed the pipe', async () => {
    const closedPipe = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const body = new PassThrough();
    body.write(Buffer.from('data'));
    expect(await writeToStdout(body, closedPipe)).toBe(141);
    expect(body.destroyed).toBe(true);
  });

  it('explains a full disk behind stdout', async () => {
    const fullDisk = new Writable({
      write(_chunk, _encoding, callback) {
        const error = new Error('ENOSPC: no space left on device, write');
        callback(Object.assign(error, { code: 'ENOSPC', syscall: 'write' }));
      },
    });
    const body = new PassThrough();
    body.write(Buffer.from('data'));
    await expect(writeToStdout(body, fullDisk)).rejects.toThrow(
      'Writing the download to stdout failed (ENOSPC: no space left on device, write)',
    );
    expect(body.destroyed).toBe(true);
  });

  it('explains a body cut by the server', async () => {
    const body = new PassThrough();
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    setImmediate(() => body.destroy(aborted));
    await expect(writeToStdout(body, new PassThrough())).rejects.toThrow(
      'The connection to the server closed during the download (what stdout got is incomplete)',
    );
  });

  it('throws a body error', async () => {
    const body = new PassThrough();
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(writeToStdout(body, new PassThrough())).rejects.toThrow('connection reset');
  });
});
