import { describe, expect, it } from 'vitest';
import { stdoutLogDestination, type WriteSync } from '../../../src/server/log-destination.js';

/** Returns a write that records its data and fails with `codes`, one per call, while they last. */
function recordingWrite(codes: (string | undefined)[], maxBytes = Infinity) {
  const written: string[] = [];
  let calls = 0;
  const write: WriteSync = (_fd, data) => {
    calls++;
    const code = codes.shift();
    if (code !== undefined) throw Object.assign(new Error(code), { code });
    const count = Math.min(data.length, maxBytes);
    written.push(data.subarray(0, count).toString());
    return count;
  };
  return { written, write, calls: () => calls };
}

describe('stdoutLogDestination', () => {
  it('writes whole lines in pieces', () => {
    const target = recordingWrite([], 4);
    stdoutLogDestination(1, target.write).write('{"msg":"hi"}\n');
    expect(target.written.join('')).toBe('{"msg":"hi"}\n');
  });

  it.each(['EIO', 'EPIPE'])('stops writing after %s', (code) => {
    const target = recordingWrite([code]);
    const destination = stdoutLogDestination(1, target.write);
    destination.write('first\n');
    destination.write('second\n');
    expect(target.calls()).toBe(1);
    expect(target.written).toEqual([]);
  });

  it('drops a line on EAGAIN and goes on', () => {
    const target = recordingWrite(['EAGAIN']);
    const destination = stdoutLogDestination(1, target.write);
    destination.write('dropped\n');
    destination.write('kept\n');
    expect(target.written).toEqual(['kept\n']);
  });
});
