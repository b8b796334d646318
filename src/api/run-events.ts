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
  const send = (payload: unknown) => raw.write(`data: ${JSON.stringify(payload)}\n\n`);

  try {
    for await (const chunk of output.follow(0, disconnected.signal)) {
      const content = decoder.write(chunk);
      if (content !== '') send({ output: { content } });
    }
    const rest = decoder.end();
    if (rest !== '') send({ output: { content: rest } });
    if (disconnected.signal.aborted) return;

    const record = await waitForEnd();
    send({
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
