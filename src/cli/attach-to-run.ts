import type { CliContext } from './cli-context.js';
import { exitCodeFor, followRun, type JobFinished } from './run-stream.js';

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
  try {
    const finished = await followRun(
      client,
      runId,
      (content) => context.stdout.write(content),
      detach.signal,
    );
    if (finished === undefined) {
      if (detach.signal.aborted) return 130;
      context.stderr.write(
        `The connection to the server closed before run ${runId} ended; follow it again with "lyceum workloads logs ${runId} -f".\n`,
      );
      return 1;
    }
    return reportRunEnd(context, runId, finished);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
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
