import { RangeNotSatisfiableError } from '../errors/index.js';
import type { ByteRange, ObjectInfo } from '../storage/object-store.js';

/**
 * Resolves a Range header against an object's size. Returns undefined for no header, a malformed
 * one or several ranges, in which case the whole object is sent, as RFC 9110 allows. Throws
 * RangeNotSatisfiableError when the range starts past the end.
 */
export function resolveByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  // HTTP compares range units without regard to case; spaces around `=` and `-` are let through.
  const match = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i.exec(header.trim());
  if (match === null) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;

  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(header, size);
    // An empty object has no byte to name in Content-Range, so it is sent whole.
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw unsatisfiable(header, size);
  return { start, end };
}

function unsatisfiable(header: string, size: number): RangeNotSatisfiableError {
  return new RangeNotSatisfiableError(
    `Range "${header}" is outside the object, which has ${size} bytes.`,
  );
}

/**
 * Tells whether an If-Range header still names the current object by its ETag, compared strongly.
 * A date never does: two versions written in the same second share their Last-Modified. Without
 * the header, a Range always applies.
 */
export function ifRangeHolds(header: string | undefined, info: Pick<ObjectInfo, 'etag'>): boolean {
  if (header === undefined) return true;
  return header.trim() === `"${info.etag}"`;
}
