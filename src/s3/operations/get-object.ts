import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, RangeNotSatisfiableError } from '../../errors/index.js';
import { ifRangeHolds, resolveByteRange } from '../../api/byte-range.js';
import { isHeaderValue, sendableContentType } from '../../api/header-value.js';
import type { ByteRange, ObjectInfo, ObjectRead, ObjectStore } from '../../storage/object-store.js';
import { s3Errors } from '../s3-error.js';
import { send, sendHead, userMetadataHeaders, type S3Request } from '../s3-request.js';

/** Serves GetObject and HeadObject, with Range and the If-* conditional headers. */
export async function getObject(
  request: S3Request,
  response: ServerResponse,
  store: ObjectStore,
): Promise<void> {
  const key = request.key!;
  // Checked first, so a bad value opens nothing.
  const overrides = responseOverrides(request.query);
  // HTTP checks preconditions before the Range, and ignores a Range whose If-Range names another
  // version of the object, so then the whole object is sent.
  const chooseRange = (current: ObjectInfo) =>
    evaluateConditions(request.headers, current) === undefined &&
    ifRangeHolds(request.headers['if-range'], current)
      ? resolveByteRange(request.headers.range, current.size)
      : undefined;
  let read: (ObjectRead & { range: ByteRange | undefined }) | undefined;
  let info: ObjectInfo;
  let range: ByteRange | undefined;
  try {
    if (request.method === 'HEAD') {
      info = await store.head(request.bucket!, key);
      range = chooseRange(info);
    } else {
      read = await store.read(request.bucket!, key, chooseRange);
      info = read.info;
      range = read.range;
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw s3Errors.noSuchKey(key);
    if (error instanceof RangeNotSatisfiableError) {
      const current = await store.head(request.bucket!, key);
      throw s3Errors.invalidRange(current.size);
    }
    throw error;
  }

  try {
    respond(request, response, info, range, overrides, read);
  } catch (error) {
    read?.body.destroy();
    throw error;
  }
  if (read !== undefined && read.content === undefined) {
    // A failure here, a client that went away or a file changed mid-read, reaches the request log.
    await pipeline(read.body, response);
  }
}

/**
 * Sends the status and headers, and the body when the store already read it. A streamed body is
 * left to the caller.
 */
function respond(
  request: S3Request,
  response: ServerResponse,
  info: ObjectInfo,
  range: ByteRange | undefined,
  overrides: Record<string, string>,
  read: ObjectRead | undefined,
): void {
  const condition = evaluateConditions(request.headers, info);
  if (condition !== undefined) {
    read?.body.destroy();
    if (condition === 412) throw s3Errors.preconditionFailed();
    send(response, request, 304, {
      etag: `"${info.etag}"`,
      'last-modified': info.lastModified.toUTCString(),
    });
    return;
  }

  const headers: Record<string, string | number> = {
    'content-type': sendableContentType(info.contentType),
    etag: `"${info.etag}"`,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    ...userMetadataHeaders(info.userMetadata),
    ...overrides,
  };
  if (range === undefined) {
    headers['content-length'] = info.size;
    // As in S3, checksums are sent when the client asks for them, and only for the whole object.
    const checksums = Object.entries(info.checksums);
    if (
      request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED' &&
      checksums.length > 0
    ) {
      Object.assign(headers, Object.fromEntries(checksums), {
        'x-amz-checksum-type': 'FULL_OBJECT',
      });
    }
  } else {
    headers['content-length'] = range.end - range.start + 1;
    headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
  }
  const status = range === undefined ? 200 : 206;
  if (read === undefined) {
    send(response, request, status, headers);
    return;
  }
  sendHead(response, request, status, headers);
  if (read.content !== undefined) response.end(read.content);
}

/** Reads the `response-*` query parameters, which replace headers of the response. */
function responseOverrides(query: ReadonlyMap<string, string>): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [parameter, header] of RESPONSE_OVERRIDES) {
    const value = query.get(parameter);
    if (value === undefined) continue;
    if (!isHeaderValue(value)) {
      throw s3Errors.invalidArgument(
        `${parameter} must be a valid header value: printable ISO-8859-1 characters, with no line breaks.`,
        parameter,
        value,
      );
    }
    overrides[header] = value;
  }
  return overrides;
}

const RESPONSE_OVERRIDES = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
] as const;

/** Returns 304 or 412 when a conditional header rules the response out, else undefined. */
export function evaluateConditions(
  headers: Record<string, string | undefined>,
  info: Pick<ObjectInfo, 'etag' | 'lastModified'>,
): 304 | 412 | undefined {
  const etag = `"${info.etag}"`;
  const modifiedSeconds = Math.floor(info.lastModified.getTime() / 1000);
  const matches = (list: string) =>
    list
      .split(',')
      .some(
        (candidate) =>
          candidate.trim() === '*' || candidate.trim() === etag || candidate.trim() === info.etag,
      );
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  const ifModifiedSince = parseHttpDate(headers['if-modified-since']);
  const ifUnmodifiedSince = parseHttpDate(headers['if-unmodified-since']);

  if (ifMatch !== undefined && !matches(ifMatch)) return 412;
  if (
    ifMatch === undefined &&
    ifUnmodifiedSince !== undefined &&
    modifiedSeconds > ifUnmodifiedSince
  )
    return 412;
  if (ifNoneMatch !== undefined && matches(ifNoneMatch)) return 304;
  if (
    ifNoneMatch === undefined &&
    ifModifiedSince !== undefined &&
    modifiedSeconds <= ifModifiedSince
  )
    return 304;
  return undefined;
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}
