import { setTimeout as sleep } from 'node:timers/promises';
import type { RunStatus } from '../runs/run-record.js';
import { reportRunEnd } from './attach-to-run.js';
import type { CliContext } from './cli-context.js';

const POLL_INTERVAL_MS = 100;

/** The body of GET /execution/streaming/ID/status, as far as this module reads it. */
interface RunStatusReply {
  status: RunStatus;
  return_code: number | null;
  error: string | null;
}

/**
 * Waits until a detached run has started, as `docker run -d` waits for its container, and returns
 * the exit code of the command that started it: 0 once the run is running or has ended after it
 * started, or the run's code (125) with its reason on stderr when it failed to start, such as for
 * a missing image. Pulling an image counts as starting, so this can take as long as the pull.
 */
export async function waitForStart(context: CliContext, runId: string): Promise<number> {
  const client = context.client();
  const path = `/execution/streaming/${encodeURIComponent(runId)}/status`;
  for (;;) {
    const reply = await client.json<RunStatusReply>(path);
    if (reply.status === 'system_failure') {
      return reportRunEnd(context, runId, {
        status: reply.status,
        returnCode: reply.return_code,
        error: reply.error,
      });
    }
    if (reply.status !== 'pending' && reply.status !== 'starting') return 0;
    await sleep(POLL_INTERVAL_MS);
  }
}
