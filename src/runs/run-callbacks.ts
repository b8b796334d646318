import type { Logger } from 'pino';
import type { RunRecord } from './run-record.js';

const ATTEMPTS = 3;
const TIMEOUT_MS = 5000;
const FIRST_RETRY_DELAY_MS = 500;

/** The body POSTed to each of a run's `user_callback_urls` when it ends. */
export interface RunCallbackBody {
  execution_id: string;
  status: string;
  return_code: number | null;
  error: string | null;
  finished_at: string | null;
}

/**
 * Tells a run's callback URLs that it ended: one POST per URL with a short timeout and a few
 * retries with growing delays. Failures are logged and never change the run's outcome.
 */
export async function notifyCallbacks(
  record: RunRecord,
  urls: string[],
  logger: Logger,
  send: typeof fetch = fetch,
): Promise<void> {
  const body: RunCallbackBody = {
    execution_id: record.id,
    status: record.status,
    return_code: record.returnCode,
    error: record.error,
    finished_at: record.finishedAt,
  };
  await Promise.all(
    urls.map((url) => deliver(url, body, logger.child({ runId: record.id }), send)),
  );
}

async function deliver(
  url: string,
  body: RunCallbackBody,
  logger: Logger,
  send: typeof fetch,
): Promise<void> {
  // The URL may carry a token in its query, so logs name only its origin.
  const origin = safeOrigin(url);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'lyceum-callback' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.body?.cancel();
      if (response.ok) {
        logger.info({ callback: origin, attempt }, 'Delivered run callback');
        return;
      }
      logger.warn(
        { callback: origin, attempt, status: response.status },
        'Run callback was rejected',
      );
    } catch (error) {
      // Messages of fetch can quote the whole URL, so it is cut down to its origin there too.
      const message = (error as Error).message.replaceAll(url, origin);
      logger.warn({ callback: origin, attempt, err: message }, 'Run callback failed');
    }
    if (attempt < ATTEMPTS) {
      await new Promise((resolve) =>
        setTimeout(resolve, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)),
      );
    }
  }
  logger.warn({ callback: origin, attempts: ATTEMPTS }, 'Gave up on run callback');
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}
