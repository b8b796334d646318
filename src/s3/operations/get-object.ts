import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, RangeNotSatisfiableError } from '../../errors/index.js';
import { resolveByteRange } from '../../api/byte-range.js';
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
  const head = request.method === 'HEAD';
  let read: (ObjectRead & { range: ByteRange | undefined }) | undefined;
  let info: ObjectInfo;
  try {
    if (head) {
      info = await store.head(request.bucket!, key);
    } else {
      read = await store.read(request.bucket!, key, (size) =>
        resolveByteRange(request.headers.range, size),
      );
      info = read.info;
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw s3Errors.noSuchKey(key);
    if (error instanceof RangeNotSatisfiableError) {
      const current = await store.head(request.bucket!, key);
      throw s3Errors.invalidRange(current.size);
    }
    throw error;
  }
  const range = read?.range;

  const condition = evaluateConditions(request.headers, info);
  if (condition !== undefined) {
    read?.body.destroy();
    if (condition === 304) {
      send(response, request, 304, {
        etag: `"${info.etag}"`,
        'last-modified': info.lastModified.toUTCString(),
      });
      return;
    }
    throw s3Errors.preconditionFailed();
  }

  const headers: Record<string, string | number> = {
    'content-type': request.query.get('response-content-type') ?? info.contentType,
    etag: `"${info.etag}"`,
    'last-modified': info.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    ...userMetadataHeaders(info.userMetadata),
  };
  for (const [parameter, header] of RESPONSE_OVERRIDES) {
    const value = request.query.get(parameter);
    if (value !== undefined) headers[header] = value;
  }
  if (range === undefined) {
    headers['content-length'] = info.size;
  } else {
    headers['content-length'] = range.end - range.start + 1;
    headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
  }
  if (read === undefined) {
    send(response, request, 200, headers);
    return;
  }
  sendHead(response, request, range === undefined ? 200 : 206, headers);
  if (read.content !== undefined) {
    response.end(read.content);
    return;
  }
  await pipeline(read.body, response).catch(() => undefined);
}

const RESPONSE_OVERRIDES = [
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
