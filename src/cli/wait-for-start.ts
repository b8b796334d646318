import { setTimeout as sleep } from 'node:timers/promises';
import { reportRunEnd } from './attach-to-run.js';
import type { CliContext } from './cli-context.js';
import type { RunStatusReply } from './run-output.js';

const POLL_INTERVAL_MS = 100;

/**
 * Waits until a detached run has started, as `docker run -d` waits for its container. Returns 0
 * once the run is running or has ended after it started. A run that failed to start, such as for a
 * missing image, gets its reason on stderr and its exit code (125) returned. Pulling an image
 * counts as starting, so this can take as long as the pull.
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
