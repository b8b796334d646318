import { writeSync } from 'node:fs';

/** Writes bytes to a file descriptor, as `fs.writeSync` does; tests pass their own. */
export type WriteSync = (fd: number, data: Buffer) => number;

/**
 * Returns the destination of the server's log lines: standard output, written synchronously as
 * pino does by default, but never at the cost of the server. Once stdout is closed, as when the
 * terminal of `lyceum server &` closes (EIO) or a pipe's reader exits (EPIPE), lines are dropped.
 * pino's own destination retried such a write for ever, which blocked every request and SIGTERM.
 * A line that finds a non-blocking pipe full (EAGAIN) is dropped too, rather than wait.
 */
export function stdoutLogDestination(
  fd = 1,
  write: WriteSync = writeSync,
): { write(line: string): void } {
  let stdoutClosed = false;
  return {
    write(line: string): void {
      if (stdoutClosed) return;
      let data = Buffer.from(line);
      try {
        while (data.length > 0) data = data.subarray(write(fd, data));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') stdoutClosed = true;
      }
    },
  };
}
