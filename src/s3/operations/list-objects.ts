import type { ServerResponse } from 'node:http';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import { s3Errors } from '../s3-error.js';
import { send, type S3Request } from '../s3-request.js';
import { renderXml } from '../xml.js';
import { keyEncodingOf } from './key-encoding.js';

const MAX_KEYS_LIMIT = 1000;

interface ListPage {
  contents: ObjectInfo[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix on this page; the next page starts after it. */
  last: string | undefined;
}

/**
 * Lists up to `maxKeys` keys and common prefixes after `after`, in key order. A common prefix
 * counts as one entry, and a page that ends with one resumes after every key under it.
 */
export async function listPage(
  store: ObjectStore,
  bucket: string,
  options: { prefix: string; delimiter: string; after: string | undefined; maxKeys: number },
): Promise<ListPage> {
  const { prefix, delimiter, after, maxKeys } = options;
  const page: ListPage = { contents: [], commonPrefixes: [], truncated: false, last: undefined };
  if (maxKeys === 0) return page;
  for await (const object of store.list(bucket, { prefix, startAfter: after })) {
    const rest = object.key.slice(prefix.length);
    const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
    const commonPrefix = cut === -1 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
    // A page that ended at a common prefix continues after every key under it.
    if (commonPrefix !== undefined && commonPrefix === after) continue;
    if (commonPrefix !== undefined && commonPrefix === page.commonPrefixes.at(-1)) continue;

    if (page.contents.length + page.commonPrefixes.length >= maxKeys) {
      page.truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      page.commonPrefixes.push(commonPrefix);
      page.last = commonPrefix;
    } else {
      page.contents.push(object);
      page.last = object.key;
    }
  }
  return page;
}

export async function listObjects(
  request: S3Request,
  response: ServerResponse,
  store: ObjectStore,
  version: 1 | 2,
): Promise<void> {
  const query = request.query;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const { encodeUrl, encode } = keyEncodingOf(query);
  const maxKeys = parseMaxKeys(query.get('max-keys'));

  let after: string | undefined;
  const body: Record<string, unknown> = { Name: request.bucket, Prefix: encode(prefix) };
  if (version === 2) {
    const token = query.get('continuation-token');
    const startAfter = query.get('start-after');
    after = token !== undefined ? decodeToken(token) : startAfter;
    if (token !== undefined) body.ContinuationToken = token;
    if (startAfter !== undefined) body.StartAfter = encode(startAfter);
  } else {
    after = query.get('marker') || undefined;
    body.Marker = encode(query.get('marker') ?? '');
  }

  const page = await listPage(store, request.bucket!, { prefix, delimiter, after, maxKeys });
  if (delimiter !== '') body.Delimiter = encode(delimiter);
  body.MaxKeys = maxKeys;
  if (encodeUrl) body.EncodingType = 'url';
  body.IsTruncated = page.truncated;
  if (version === 2) {
    body.KeyCount = page.contents.length + page.commonPrefixes.length;
    if (page.truncated && page.last !== undefined)
      body.NextContinuationToken = encodeToken(page.last);
  } else if (page.truncated && page.last !== undefined && delimiter !== '') {
    body.NextMarker = encode(page.last);
  }
  body.Contents = page.contents.map((object) => ({
    Key: encode(object.key),
    LastModified: object.lastModified.toISOString(),
    ETag: `"${object.etag}"`,
    Size: object.size,
    StorageClass: 'STANDARD',
    ...(query.get('fetch-owner') === 'true' || version === 1
      ? { Owner: { ID: request.account.id, DisplayName: request.account.name } }
      : {}),
  }));
  body.CommonPrefixes = page.commonPrefixes.map((commonPrefix) => ({
    Prefix: encode(commonPrefix),
  }));
  send(response, request, 200, {}, renderXml('ListBucketResult', body));
}

function parseMaxKeys(value: string | undefined): number {
  if (value === undefined) return MAX_KEYS_LIMIT;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
    throw s3Errors.invalidArgument('max-keys must be a non-negative integer.', 'max-keys', value);
  }
  return Math.min(parsed, MAX_KEYS_LIMIT);
}

function encodeToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (decoded === '' || encodeToken(decoded) !== token) {
    throw s3Errors.invalidArgument(
      'The continuation token provided is incorrect.',
      'continuation-token',
      token,
    );
  }
  return decoded;
}
