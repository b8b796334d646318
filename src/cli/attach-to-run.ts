import { setTimeout as sleep } from 'node:timers/promises';
import { LyceumError } from '../errors/index.js';
import { ApiError, ServerUnreachableError } from './api-client.js';
import type { CliContext } from './cli-context.js';
import { signalExitCode } from './download-output.js';
import { exitCodeFor, followRun, type JobFinished } from './run-stream.js';

/** How long a follower waits for a server that closed the connection, as for a restart. */
const RECONNECT_LIMIT_MS = 60_000;
const RECONNECT_INTERVAL_MS = 1000;

/**
 * Streams a run's output to stdout until it ends and returns the exit code the CLI should end with.
 * With `abortOnInterrupt`, a first Ctrl-C aborts the run and a second one stops following it.
 */
export async function attachToRun(
  context: CliContext,
  runId: string,
  options: { abortOnInterrupt: boolean },
): Promise<number> {
  const client = context.client();
  const detach = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (!options.abortOnInterrupt || interrupts > 1) {
      context.stderr.write(
        `\nStopped following run ${runId}; it goes on. Follow it again with "lyceum workloads logs ${runId} -f".\n`,
      );
      detach.abort();
      return;
    }
    context.stderr.write(`\nAborting run ${runId} (press Ctrl-C again to stop waiting)...\n`);
    void client
      .send(`/workloads/abort/${encodeURIComponent(runId)}`, { method: 'POST' })
      .catch((error: Error) => context.stderr.write(`Abort failed: ${error.message}\n`));
  };
  process.on('SIGINT', onInterrupt);
  // A reader that closes the pipe early, as `head` does, ends the following but not the run.
  let stdoutError: NodeJS.ErrnoException | undefined;
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    stdoutError ??= error;
    detach.abort();
  };
  context.stdout.on('error', onStdoutError);
  try {
    // A stream that reconnects replays the run's output from the start, so the characters
    // printed before are skipped.
    let printed = 0;
    let lostAt: number | undefined;
    for (;;) {
      let seen = 0;
      const onOutput = (content: string) => {
        const skip = Math.max(0, printed - seen);
        seen += content.length;
        if (skip >= content.length || stdoutError !== undefined) return;
        context.stdout.write(content.slice(skip));
        printed += content.length - skip;
      };
      const finished = await followRun(client, runId, onOutput, detach.signal).catch(
        (error: unknown) => {
          if (stdoutError !== undefined) return undefined;
          // The run was started or found, so a rejected stream must not look like a failed start.
          if (error instanceof ApiError && error.status === 429) {
            throw new ApiError(
              429,
              `${error.message} Run ${runId} goes on without it; follow it later with ` +
                `"lyceum workloads logs ${runId} -f", or check it with "lyceum workloads list".`,
            );
          }
          // Only a reconnection waits out a server that is down; a first connection reports it.
          if (lostAt === undefined || !(error instanceof ServerUnreachableError)) throw error;
          return undefined;
        },
      );
      if (finished !== undefined) {
        // A failed write emits its error on a later tick, so the end waits for one.
        await new Promise((resolve) => setImmediate(resolve));
        if (stdoutError !== undefined) return stdoutFailure(stdoutError);
        return reportRunEnd(context, runId, finished);
      }
      if (stdoutError !== undefined) return stdoutFailure(stdoutError);
      if (detach.signal.aborted) return 130;

      // A stream that carried output was a working connection, so its loss starts a new wait.
      if (lostAt === undefined || seen > 0) {
        lostAt = Date.now();
        context.stderr.write(
          `The connection to the server closed; following run ${runId} again once the server is back (for up to ${RECONNECT_LIMIT_MS / 1000} s).\n`,
        );
      } else if (Date.now() - lostAt > RECONNECT_LIMIT_MS) {
        context.stderr.write(
          `The connection to the server closed before run ${runId} ended; follow it again with "lyceum workloads logs ${runId} -f".\n`,
        );
        return 1;
      }
      await sleep(RECONNECT_INTERVAL_MS, undefined, { signal: detach.signal }).catch(
        () => undefined,
      );
      if (detach.signal.aborted) return 130;
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    context.stdout.off('error', onStdoutError);
  }
}

/**
 * Returns 141, the exit code of a program that SIGPIPE ends, for a closed pipe, and throws any
 * other failure to write the run's output.
 */
function stdoutFailure(error: NodeJS.ErrnoException): number {
  if (error.code === 'EPIPE') return signalExitCode('SIGPIPE');
  throw new LyceumError(
    `Writing the run's output to stdout failed (${error.message}); the CLI stopped following the ` +
      'run, and the run itself is not affected. Check where stdout goes, such as free space on ' +
      'its disk.',
    { cause: error },
  );
}

/**
 * Writes the reason an ended run did not complete to stderr: the error of a timeout, an abort, a
 * system failure or a failure with a message. Returns the exit code the CLI ends with for the run.
 */
export function reportRunEnd(context: CliContext, runId: string, finished: JobFinished): number {
  if (
    finished.status === 'system_failure' ||
    finished.status === 'timeout' ||
    finished.status === 'aborted'
  ) {
    context.stderr.write(
      `Run ${runId} ended as ${finished.status}: ${finished.error ?? 'no details'}\n`,
    );
  } else if (finished.status === 'failed' && finished.error) {
    context.stderr.write(`Run ${runId} failed: ${finished.error}\n`);
  }
  return exitCodeFor(finished);
}
