import { isConnectionLost, type ApiClient } from './api-client.js';

/** The final event of a run stream. */
export interface JobFinished {
  status: string | undefined;
  returnCode: number | null;
  error: string | null;
}

interface StreamEvent {
  output?: { content?: string };
  jobFinished?: {
    job?: { status?: string; result?: { returnCode?: number | null; error?: string | null } };
  };
}

/**
 * Follows a run's Server-Sent Events stream, passing output to `onOutput`, and returns the final
 * event. Returns undefined when the stream ends without one (the connection dropped).
 */
export async function followRun(
  client: ApiClient,
  runId: string,
  onOutput: (content: string) => void,
  signal?: AbortSignal,
): Promise<JobFinished | undefined> {
  const response = await client.request(`/execution/streaming/${encodeURIComponent(runId)}`, {
    headers: { accept: 'text/event-stream' },
    ...(signal === undefined ? {} : { signal }),
  });

  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let boundary: number;
      while ((boundary = buffered.indexOf('\n\n')) !== -1) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const event = parseEvent(block);
        if (event?.output?.content !== undefined) onOutput(event.output.content);
        if (event?.jobFinished !== undefined) {
          const job = event.jobFinished.job;
          return {
            status: job?.status,
            returnCode: job?.result?.returnCode ?? null,
            error: job?.result?.error ?? null,
          };
        }
      }
    }
  } catch (error) {
    if (signal?.aborted || isConnectionLost(error)) return undefined;
    throw error;
  }
  return undefined;
}

function parseEvent(block: string): StreamEvent | undefined {
  const data = block
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (data === '') return undefined;
  return JSON.parse(data) as StreamEvent;
}

/** Maps a finished run to the CLI's exit code: the workload's own code, or a fixed one for our outcomes. */
export function exitCodeFor(finished: JobFinished): number {
  switch (finished.status) {
    case 'timeout':
      return 124;
    case 'aborted':
      return 130;
    case 'system_failure':
      return 125;
    default:
      return finished.returnCode ?? (finished.status === 'completed' ? 0 : 1);
  }
}
