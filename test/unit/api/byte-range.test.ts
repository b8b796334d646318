import { describe, expect, it } from 'vitest';
import { resolveByteRange } from '../../../src/api/byte-range.js';
import { RangeNotSatisfiableError } from '../../../src/errors/index.js';

describe('resolveByteRange', () => {
  it('returns undefined without header', () => {
    expect(resolveByteRange(undefined, 100)).toBeUndefined();
  });

  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=10-', { start: 10, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=99-99', { start: 99, end: 99 }],
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=50-500', { start: 50, end: 99 }],
    ['bytes=0-99999999999999999999', { start: 0, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['  bytes=0-9  ', { start: 0, end: 9 }],
    ['Bytes=0-9', { start: 0, end: 9 }],
    ['BYTES=-10', { start: 90, end: 99 }],
    ['bytes= 0-9', { start: 0, end: 9 }],
  ])('resolves %j on 100 bytes', (header, expected) => {
    expect(resolveByteRange(header, 100)).toEqual(expected);
  });

  describe.each(['bytes=100-', 'bytes=100-200', 'bytes=150-', 'bytes=-0'])(
    'unsatisfiable %j on 100 bytes',
    (header) => {
      it('throws RangeNotSatisfiableError', () => {
        expect(() => resolveByteRange(header, 100)).toThrow(RangeNotSatisfiableError);
      });

      it('names the header', () => {
        expect(() => resolveByteRange(header, 100)).toThrow(`Range "${header}"`);
      });

      it('names the size', () => {
        expect(() => resolveByteRange(header, 100)).toThrow(/has 100 bytes/);
      });
    },
  );

  it.each([
    'bytes=',
    'bytes=-',
    'bytes=abc',
    'bytes=a-b',
    'bytes=1-2-3',
    'bytes 0-9',
    'items=0-9',
    '0-9',
    '',
    'bytes=5-2',
    'bytes=200-100',
    'bytes=+1-5',
  ])('ignores malformed %j', (header) => {
    expect(resolveByteRange(header, 100)).toBeUndefined();
  });

  it.each(['bytes=0-1,5-6', 'bytes=0-1, 5-6', 'bytes=-5,0-1'])(
    'ignores multiple ranges %j',
    (header) => {
      expect(resolveByteRange(header, 100)).toBeUndefined();
    },
  );

  describe('zero-size object', () => {
    it.each(['bytes=0-', 'bytes=0-0', 'bytes=-0'])('rejects %j', (header) => {
      expect(() => resolveByteRange(header, 0)).toThrow(RangeNotSatisfiableError);
    });

    // A suffix range with a non-zero length is satisfiable whatever the size (RFC 7233 section
    // 2.1), so this request must not fail with 416 on an empty object.
    it('sends whole object for suffix range', () => {
      expect(resolveByteRange('bytes=-5', 0)).toBeUndefined();
    });

    it('ignores missing header', () => {
      expect(resolveByteRange(undefined, 0)).toBeUndefined();
    });
  });
});
