import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamRunEvents } from '../../../src/api/run-events.js';
import { OutputLog } from '../../../src/runs/output-log.js';
import type { RunRecord } from '../../../src/runs/run-record.js';

/** Returns a response socket that accepts `capacity` bytes and then never drains, as a stalled reader does. */
function stalledResponse(capacity: number): Writable & { written: number } {
  const raw = new Writable({
    highWaterMark: capacity,
    write(_chunk, _encoding, _callback) {
      // Never calls back: the reader takes nothing more.
    },
  }) as Writable & { written: number; writeHead(): void; flushHeaders(): void };
  raw.written = 0;
  const write = raw.write.bind(raw) as (chunk: string) => boolean;
  raw.write = ((chunk: string) => {
    raw.written += chunk.length;
    return write(chunk);
  }) as typeof raw.write;
  raw.writeHead = () => undefined;
  raw.flushHeaders = () => undefined;
  return raw;
}

describe('streamRunEvents', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-events-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads no further than a stalled follower takes', async () => {
    const output = await OutputLog.open(join(dir, 'run.log'));
    for (let index = 0; index < 64; index++) output.append(Buffer.alloc(64 * 1024, 'z'));
    output.close();
    const raw = stalledResponse(16 * 1024);
    const reply = { hijack: () => undefined, raw } as unknown as FastifyReply;

    const streaming = streamRunEvents(reply, output, async () => ({}) as RunRecord);
    while (raw.written === 0) await nextTurn();
    // Time enough to read the whole log if nothing held the stream back.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(raw.written).toBeGreaterThan(0);
    expect(raw.written).toBeLessThan(2 * 64 * 1024 + 1024);
    raw.destroy();
    await streaming;
  });
});
