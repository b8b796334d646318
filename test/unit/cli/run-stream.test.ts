import { describe, expect, it } from 'vitest';
import { exitCodeFor, type JobFinished } from '../../../src/cli/run-stream.js';

function finished(status: string | undefined, returnCode: number | null): JobFinished {
  return { status, returnCode, error: null };
}

describe('exitCodeFor', () => {
  it.each([
    ['completed', 0, 0],
    ['completed', null, 0],
    ['failed', 3, 3],
    ['failed', 255, 255],
    ['failed', null, 1],
    ['timeout', 137, 124],
    ['timeout', null, 124],
    ['aborted', 143, 130],
    ['aborted', null, 130],
    ['system_failure', null, 125],
    ['system_failure', 1, 125],
  ] as const)('maps %s with code %j to %j', (status, returnCode, expected) => {
    expect(exitCodeFor(finished(status, returnCode))).toBe(expected);
  });

  it('uses return code without status', () => {
    expect(exitCodeFor(finished(undefined, 7))).toBe(7);
  });

  it('fails without status or code', () => {
    expect(exitCodeFor(finished(undefined, null))).toBe(1);
  });
});
