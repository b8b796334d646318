import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CredentialLookup } from '../../storage/credential-store.js';
import { s3Errors } from '../s3-error.js';
import { parseQuery, type SignableRequest } from './canonical-request.js';
import { MAX_CLOCK_SKEW_MS } from './verify-request.js';

/** Query sub-resources that are part of a Signature Version 2 string to sign. */
const SIGNED_SUBRESOURCES = new Set([
  'acl',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

export interface VerifiedV2Request {
  accountId: string;
  accessKey: string;
}

/** True when a request carries Signature Version 2 authentication, in a header or a presigned URL. */
export function isSignatureV2(request: SignableRequest): boolean {
  if (request.headers.authorization?.startsWith('AWS ')) return true;
  return request.headers.authorization === undefined && /(^|&)Signature=/.test(request.rawQuery);
}

/**
 * Verifies a Signature Version 2 request (HMAC-SHA1), which boto3 still uses for presigned URLs by
 * default. Its payload is never signed, so only SigV4 requests can prove their body.
 */
export function verifyV2Request(
  request: SignableRequest,
  findCredentials: (accessKey: string) => CredentialLookup | undefined,
  now: Date,
): VerifiedV2Request {
  const query = new Map(parseQuery(request.rawQuery));
  const header = request.headers.authorization;
  let accessKey: string;
  let signature: string;
  let dateLine: string;
  let sessionToken: string | undefined;

  if (header !== undefined) {
    const match = /^AWS ([^:]+):(.+)$/.exec(header);
    if (match === null)
      throw s3Errors.invalidArgument(
        'The Authorization header is malformed.',
        'Authorization',
        header,
      );
    [, accessKey, signature] = match as unknown as [string, string, string];
    const date = request.headers['x-amz-date'] ?? request.headers.date;
    const time = date === undefined ? NaN : Date.parse(date);
    if (Number.isNaN(time))
      throw s3Errors.accessDenied('AWS authentication requires a valid Date or x-amz-date header.');
    if (Math.abs(time - now.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw s3Errors.requestTimeTooSkewed(new Date(time).toISOString(), now.toISOString());
    }
    dateLine = request.headers['x-amz-date'] === undefined ? (request.headers.date ?? '') : '';
    sessionToken = request.headers['x-amz-security-token'];
  } else {
    accessKey = query.get('AWSAccessKeyId') ?? '';
    signature = query.get('Signature') ?? '';
    const expires = Number(query.get('Expires'));
    if (accessKey === '' || !Number.isInteger(expires)) {
      throw s3Errors.accessDenied(
        'Query-string authentication requires AWSAccessKeyId, Expires and Signature.',
      );
    }
    if (expires * 1000 < now.getTime()) throw s3Errors.accessDenied('Request has expired.');
    dateLine = String(expires);
    sessionToken = query.get('x-amz-security-token');
  }

  const credentials = findCredentials(accessKey);
  if (credentials === undefined) throw s3Errors.invalidAccessKeyId();
  const stringToSign = [
    request.method,
    request.headers['content-md5'] ?? '',
    request.headers['content-type'] ?? '',
    dateLine,
    canonicalAmzHeaders(request.headers, header === undefined ? query : undefined) +
      canonicalResource(request),
  ].join('\n');
  const expected = createHmac('sha1', credentials.secretKey).update(stringToSign, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw s3Errors.signatureDoesNotMatch({ StringToSign: stringToSign });
  }
  if (credentials.expiresAt.getTime() <= now.getTime()) throw s3Errors.expiredToken();
  if (sessionToken === undefined) throw s3Errors.missingSecurityHeader();
  if (!credentials.matchesToken(sessionToken)) throw s3Errors.invalidToken();
  return { accountId: credentials.accountId, accessKey };
}

function canonicalAmzHeaders(
  headers: Record<string, string | undefined>,
  query: Map<string, string> | undefined,
): string {
  const entries = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-') && value !== undefined) entries.set(name, value.trim());
  }
  // A presigned URL carries the x-amz-* values it signed as query parameters.
  for (const [name, value] of query ?? []) {
    if (name.toLowerCase().startsWith('x-amz-')) entries.set(name.toLowerCase(), value);
  }
  return [...entries.keys()]
    .sort()
    .map((name) => `${name}:${entries.get(name)}\n`)
    .join('');
}

function canonicalResource(request: SignableRequest): string {
  // A sub-resource written `name=` keeps its `=` when signed, while a bare `name` has none, so
  // `uploads` and `response-content-type=` both sign as the client wrote them.
  const written = request.rawQuery === '' ? [] : request.rawQuery.split('&');
  const subresources = parseQuery(request.rawQuery)
    .map(([name, value], index) => ({ name, value, bare: !written[index]!.includes('=') }))
    .filter(({ name }) => SIGNED_SUBRESOURCES.has(name))
    .sort((left, right) => compareNames(left.name, right.name))
    .map(({ name, value, bare }) => (bare ? name : `${name}=${value}`));
  return request.rawPath + (subresources.length === 0 ? '' : `?${subresources.join('&')}`);
}

/** Orders names by UTF-16 code units, which for the ASCII sub-resource names is byte order. */
function compareNames(left: string, right: string): number {
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}
