import { isTerminal, type RunStatus } from '../runs/run-record.js';
import { reportRunEnd } from './attach-to-run.js';
import type { CliContext } from './cli-context.js';
import { writeToStdout } from './download-output.js';

/** The body of GET /execution/streaming/ID/status, as far as the CLI reads it. */
export interface RunStatusReply {
  status: RunStatus;
  return_code: number | null;
  error: string | null;
}

/**
 * Prints a run's output so far without following it. For a run that has ended, it then reports the
 * end on stderr and returns the exit code, both as `attachToRun` does. A run still going returns 0.
 */
export async function printRunOutput(context: CliContext, runId: string): Promise<number> {
  const client = context.client();
  const path = `/execution/streaming/${encodeURIComponent(runId)}`;
  // The server stores all of a run's output before it records the end, so reading the status
  // first means the output read next is complete when the status is final.
  const reply = await client.json<RunStatusReply>(`${path}/status`);
  // The bytes go out as the run wrote them, as with `docker logs`, even when they are not text.
  // A reader that closes the pipe early, as `head` does, gets 141 and no message.
  const written = await writeToStdout(
    await client.request(`${path}/output`),
    context.stdout,
    "the run's output",
  );
  if (written !== 0) return written;
  if (!isTerminal(reply.status)) return 0;
  return reportRunEnd(context, runId, {
    status: reply.status,
    returnCode: reply.return_code,
    error: reply.error,
  });
}
