import { hash } from 'node:crypto';

/** The parts of an incoming request that a SigV4 signature covers. */
export interface SignableRequest {
  method: string;
  /** The path exactly as it appeared in the request line, still percent-encoded. */
  rawPath: string;
  /** The query string as it appeared in the request line, without the `?`. */
  rawQuery: string;
  /** Header values by lowercase name; repeated headers are already joined with `,`. */
  headers: Record<string, string | undefined>;
}

/**
 * Percent-encodes as SigV4 requires: every byte except the unreserved characters A-Z, a-z, 0-9,
 * `-`, `_`, `.` and `~`; `/` is kept when `keepSlash` is set (paths).
 */
export function uriEncode(value: string, keepSlash: boolean): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === '/')) {
      encoded += char;
    } else {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

/** Decodes a path or query component once, treating malformed escapes as literal text. */
export function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Builds the canonical URI of an S3 request: the decoded path encoded once more, not normalised. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath === '' ? '/' : rawPath;
  return path
    .split('/')
    .map((segment) => uriEncode(decodeComponent(segment), false))
    .join('/');
}

/** Parses a raw query string into decoded name and value pairs, keeping their order. */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? '' : pair.slice(equals + 1);
    // Form encoding writes spaces as '+'; SigV4 clients encode them as %20, so '+' is literal here.
    return [decodeComponent(name), decodeComponent(value)];
  });
}

/** Builds the canonical query string, leaving out `exclude` (the signature of a presigned URL). */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  return parseQuery(rawQuery)
    .filter(([name]) => name !== exclude)
    .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) =>
      nameA === nameB ? compareAscii(valueA, valueB) : compareAscii(nameA, nameB),
    )
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** Builds the canonical header block and checks every signed header is present. */
export function canonicalHeaders(
  headers: Record<string, string | undefined>,
  signedHeaders: string[],
): string | undefined {
  let block = '';
  for (const name of signedHeaders) {
    const value = headers[name];
    if (value === undefined) return undefined;
    block += `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  }
  return block;
}

export function buildCanonicalRequest(
  request: SignableRequest,
  signedHeaders: string[],
  payloadHash: string,
  excludeQuery?: string,
): string | undefined {
  const headers = canonicalHeaders(request.headers, signedHeaders);
  if (headers === undefined) return undefined;
  return [
    request.method,
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery, excludeQuery),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Buffer): string {
  // Every request hashes its canonical form; the one-shot call costs half of a Hash object.
  return hash('sha256', data, 'hex');
}

function compareAscii(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
