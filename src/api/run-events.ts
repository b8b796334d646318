import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyReply } from 'fastify';
import type { RunRecord } from '../runs/run-record.js';
import type { OutputLog } from '../runs/output-log.js';

const KEEPALIVE_MS = 15_000;

/**
 * Streams a run as Server-Sent Events in Lyceum's format: one `output` event per chunk of output,
 * from the start, then one `jobFinished` event with the exit code once the run has ended.
 */
export async function streamRunEvents(
  reply: FastifyReply,
  output: OutputLog,
  waitForEnd: () => Promise<RunRecord>,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.flushHeaders();

  const disconnected = new AbortController();
  raw.on('close', () => disconnected.abort());
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
  const decoder = new StringDecoder('utf8');
  // A follower that reads slower than the run writes gets the next chunk only once it has taken
  // the last one, so the server never buffers more than a socket buffer of output for it.
  const send = async (payload: unknown) => {
    if (raw.write(`data: ${JSON.stringify(payload)}\n\n`)) return;
    await once(raw, 'drain', { signal: disconnected.signal }).catch(() => undefined);
  };

  try {
    for await (const chunk of output.follow(0, disconnected.signal)) {
      const content = decoder.write(chunk);
      if (content !== '') await send({ output: { content } });
    }
    const rest = decoder.end();
    if (rest !== '') await send({ output: { content: rest } });
    if (disconnected.signal.aborted) return;

    const record = await waitForEnd();
    await send({
      jobFinished: {
        job: {
          status: record.status,
          result: { returnCode: record.returnCode, error: record.error },
        },
      },
    });
  } finally {
    clearInterval(keepalive);
    raw.end();
  }
}
