import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LyceumError } from '../errors/index.js';
import { isConnectionLost } from './api-client.js';
import { DownloadFile } from './download-file.js';

/** The signals that stop a download into a file, which then removes its partial file. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The outcome of a download into a file. */
export interface SavedDownload {
  /** False when a signal stopped the download and its partial file was removed. */
  saved: boolean;
  /** The stop signal that arrived during the download, if any. */
  signal: NodeJS.Signals | undefined;
}

/** Returns the exit code of a command ended by `signal`: 128 plus its number, as shells report it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** Returns the file a download writes before it is complete. */
export function partialPath(target: string): string {
  return `${target}.lyceum-part`;
}

/**
 * Returns the file a download of `key` writes: `output`, the key's file name inside `output` when
 * that is a folder, or the key's file name. Makes the folders it needs.
 */
export async function downloadTarget(key: string, output: string | undefined): Promise<string> {
  const fileName = key.split('/').pop()!;
  if (output === undefined) return fileName;
  const stats = await stat(output).catch(() => undefined);
  if (stats?.isDirectory()) return join(output, fileName);
  // A trailing "/" names a folder, made if missing, as cp and aws s3 cp read it.
  if (output.endsWith('/')) {
    await mkdir(output, { recursive: true });
    return join(output, fileName);
  }
  await mkdir(dirname(resolve(output)), { recursive: true });
  return output;
}

/**
 * Writes a response body to the partial file of `target`, then renames it to `target`. Removes the
 * partial file on an error, and on SIGINT or SIGTERM, which stop the download and make it return
 * `saved: false` rather than throw. A signal after the whole body was written keeps the file.
 */
export async function saveToFile(
  body: Readable,
  target: string,
  onWritten: (bytes: number) => void,
): Promise<SavedDownload> {
  const partial = partialPath(target);
  const stop = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (received: NodeJS.Signals) => {
    signal ??= received;
    stop.abort();
  };
  // The handlers replace Node's default of exiting at once, which would leave the partial file.
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  let written = false;
  try {
    await pipeline(body, new DownloadFile(partial, onWritten), { signal: stop.signal });
    written = true;
    await rename(partial, target);
    return { saved: true, signal };
  } catch (error) {
    await rm(partial, { force: true });
    if (signal !== undefined && !written) return { saved: false, signal };
    throw explainCutDownload(error, `removed ${partial}`);
  } finally {
    for (const name of STOP_SIGNALS) process.off(name, onSignal);
  }
}

/**
 * Streams a response body to `stdout` and leaves `stdout` open. Returns 0, or 141 without a message
 * when the reader closed the pipe early, as `head` does. 141 is the exit code of a program that
 * SIGPIPE ends, such as `cat`. Node ignores SIGPIPE, so the closed pipe shows up as an EPIPE error.
 */
export async function writeToStdout(
  body: Readable,
  stdout: NodeJS.WritableStream,
  description = 'the download',
): Promise<number> {
  try {
    await pipeline(body, stdout, { end: false });
    return 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') {
      body.destroy();
      return signalExitCode('SIGPIPE');
    }
    // Writes go only to stdout, as the response is only read, so a failed write is stdout's.
    if ((error as NodeJS.ErrnoException).syscall !== 'write') {
      throw explainCutDownload(error, 'what stdout got is incomplete');
    }
    body.destroy();
    throw new LyceumError(
      `Writing ${description} to stdout failed (${(error as Error).message}); ` +
        'check where stdout goes, such as free space on its disk.',
      { cause: error },
    );
  }
}

/**
 * Turns a response that ended early, as when the server stops, into an error that reports it and
 * what to do. Returns other errors as they are.
 */
function explainCutDownload(error: unknown, leftBehind: string): unknown {
  if (!isConnectionLost(error)) return error;
  return new LyceumError(
    `The connection to the server closed during the download (${leftBehind}); ` +
      'run the command again once the server is up.',
    { cause: error },
  );
}
