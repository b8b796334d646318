import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyCallbacks } from '../../../src/runs/run-callbacks.js';
import type { RunRecord } from '../../../src/runs/run-record.js';

const record = {
  id: 'run_1',
  status: 'completed',
  returnCode: 0,
  error: null,
  finishedAt: '2026-12-05T00:00:00.000Z',
} as unknown as RunRecord;

function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('notifyCallbacks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a failed delivery without the URL query', async () => {
    vi.useFakeTimers();
    const url = 'http://127.0.0.1:9/cb?token=SECRET-TOKEN';
    const { logger, lines } = capturingLogger();
    const send = vi.fn(async () => {
      throw new Error(`Request to ${url} failed`);
    });

    const delivered = notifyCallbacks(record, [url], logger, send as unknown as typeof fetch);
    await vi.runAllTimersAsync();
    await delivered;

    expect(send).toHaveBeenCalledTimes(3);
    expect(lines.join('')).toContain('Request to http://127.0.0.1:9 failed');
    expect(lines.join('')).not.toContain('SECRET-TOKEN');
  });
});
