import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccountRegistry } from '../accounts/account-registry.js';
import {
  ConflictError,
  PreconditionFailedError,
  ObjectChangedError,
  InsufficientStorageError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
} from '../errors/index.js';
import type { S3Context } from './operations/object-context.js';
import { routeS3Request } from './s3-router.js';
import { S3Error, s3Errors } from './s3-error.js';
import { send, type S3Request } from './s3-request.js';
import { decodeComponent, parseQuery } from './sigv4/canonical-request.js';
import { verifyRequest, type VerifiedRequest } from './sigv4/verify-request.js';
import { isSignatureV2, verifyV2Request, type VerifiedV2Request } from './sigv4/verify-v2.js';
import { renderXml } from './xml.js';
import { limitConnections } from '../server/connection-limits.js';

/** Far above what S3 clients open by default (10 connections for boto3 and the AWS CLI). */
const S3_CONNECTIONS_PER_ADDRESS = 256;
const S3_CONNECTIONS = 4096;
const HEADERS_TIMEOUT_MS = 20_000;
/** A connection that neither sends nor takes a byte for this long is closed, mid-request too. */
const IDLE_TIMEOUT_MS = 120_000;

export interface S3ServerOptions extends S3Context {
  accounts: AccountRegistry;
  now?: () => Date;
}

/**
 * Builds the S3-compatible endpoint: path-style addressing, SigV4 authentication, and each
 * account's bucket visible only to credentials issued for that account.
 */
export function createS3Server(options: S3ServerOptions): Server {
  const server = createServer((raw, response) => {
    void handle(raw, response, options);
  });
  // Large uploads can take long; S3 clients keep their own timeouts.
  server.requestTimeout = 0;
  // Runs reach this endpoint from their own addresses, so one run's connections are capped.
  limitConnections(server, {
    perAddress: S3_CONNECTIONS_PER_ADDRESS,
    total: S3_CONNECTIONS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  });
  return server;
}

/** The first half of each request id, random per process. A counter makes the second half. */
const REQUEST_ID_PREFIX = randomBytes(4).toString('hex').toUpperCase();
let requestCount = 0;

function nextRequestId(): string {
  requestCount = (requestCount + 1) % 0x1_0000_0000;
  return REQUEST_ID_PREFIX + requestCount.toString(16).toUpperCase().padStart(8, '0');
}

async function handle(
  raw: IncomingMessage,
  response: ServerResponse,
  options: S3ServerOptions,
): Promise<void> {
  const requestId = nextRequestId();
  const url = raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const headers = normaliseHeaders(raw);
  const { bucket, key, malformed } = splitPath(rawPath);
  // At the default level a successful request logs nothing, so the child logger is made only
  // for a line that is written.
  let child: Logger | undefined;
  const log = () =>
    (child ??= options.logger.child({ requestId, method: raw.method, bucket, key }));

  try {
    // Such a path could name another key than the one a signature or presigned URL covers.
    if (malformed) throw s3Errors.invalidUri();
    const now = (options.now ?? (() => new Date()))();
    const signable = { method: raw.method ?? 'GET', rawPath, rawQuery, headers };
    const findCredentials = (accessKey: string) => options.credentials.find(accessKey);
    const auth = isSignatureV2(signable)
      ? asUnsignedPayload(verifyV2Request(signable, findCredentials, now))
      : verifyRequest(signable, findCredentials, now);
    const account = options.accounts.findById(auth.accountId);
    if (account === undefined) throw s3Errors.invalidAccessKeyId();
    if (bucket !== undefined && bucket !== account.bucketName) {
      if (key === undefined && signable.method === 'PUT') {
        throw s3Errors.accessDenied(
          `Each account has one bucket, ${account.bucketName}, and no other bucket can be ` +
            'created; store objects under a prefix of that bucket instead.',
        );
      }
      throw options.accounts.findByBucket(bucket) === undefined
        ? s3Errors.noSuchBucket(bucket)
        : s3Errors.accessDenied();
    }
    const request: S3Request = {
      method: raw.method ?? 'GET',
      bucket,
      key,
      query: new Map(parseQuery(rawQuery)),
      headers,
      raw,
      auth,
      account,
      requestId,
    };
    await routeS3Request(request, response, options);
    if (options.logger.isLevelEnabled('debug')) {
      log().debug({ status: response.statusCode }, 'S3 request');
    }
  } catch (error) {
    if (clientWentAway(raw, error)) {
      // A client that disconnects mid-request is common and no fault of the server's.
      log().info(
        { code: (error as NodeJS.ErrnoException).code },
        'S3 client closed the connection',
      );
      response.destroy();
      return;
    }
    const s3Error = toS3Error(error, key);
    const outcome = { code: s3Error.code, status: s3Error.httpStatus };
    if (s3Error.httpStatus === 500) {
      log().error({ err: error }, 'S3 request failed');
    } else if (s3Error.httpStatus > 501) {
      // A file that changed mid-read, or a full disk, is worth a look but is no fault of the server.
      log().warn({ ...outcome, reason: s3Error.message }, 'S3 request failed');
    } else {
      // NotImplemented (501) belongs here, because the client asked for a feature this server lacks.
      log().info(outcome, 'S3 request rejected');
    }
    sendError(raw, response, requestId, rawPath, s3Error);
  }
}

/** Error codes of a request whose client closed the connection before it was done. */
const CLIENT_GONE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Tells whether the request failed because its client disconnected. */
function clientWentAway(raw: IncomingMessage, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && CLIENT_GONE_CODES.has(code)) return true;
  return raw.destroyed && !raw.complete;
}

function sendError(
  raw: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  resource: string,
  error: S3Error,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // A body still on its way could be long, so its connection is closed rather than drained.
  const bodyLeft = hasBody(raw) && !raw.complete;
  const headers: Record<string, string> = bodyLeft ? { connection: 'close' } : {};
  if (raw.method === 'HEAD') {
    send(response, { requestId }, error.httpStatus, { ...headers, 'x-amz-error-code': error.code });
  } else {
    const body = renderXml(
      'Error',
      {
        Code: error.code,
        Message: error.message,
        Resource: resource,
        RequestId: requestId,
        ...error.extra,
      },
      false,
    );
    send(response, { requestId }, error.httpStatus, headers, body);
  }
  if (bodyLeft) raw.resume();
}

/** Tells whether a request declares a body, by its length or its chunked encoding. */
function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  if (length !== undefined) return length.trim() !== '0';
  return raw.headers['transfer-encoding'] !== undefined;
}

/** Maps the store's errors to the S3 error a client expects. */
function toS3Error(error: unknown, key: string | undefined): S3Error {
  if (error instanceof S3Error) return error;
  if (error instanceof NotFoundError) return s3Errors.noSuchKey(key ?? '');
  if (error instanceof ConflictError) return s3Errors.invalidArgument(error.message, 'key', key);
  if (error instanceof PreconditionFailedError) return s3Errors.preconditionFailed();
  if (error instanceof PayloadTooLargeError) return s3Errors.entityTooLarge();
  // A limit on what the caller holds; a retry would meet it again, so no SlowDown.
  if (error instanceof TooManyRequestsError) return s3Errors.invalidRequest(error.message);
  if (error instanceof ObjectChangedError)
    return new S3Error('ServiceUnavailable', 503, error.message);
  if (error instanceof InsufficientStorageError) {
    return new S3Error('InsufficientStorage', 507, error.message);
  }
  if (error instanceof InvalidInputError) {
    return key !== undefined && Buffer.byteLength(key) > 1024
      ? s3Errors.keyTooLong()
      : s3Errors.invalidArgument(error.message, 'key', key);
  }
  return s3Errors.internalError();
}

/**
 * Splits a request path into the bucket and the key, each percent-decoded once. `malformed` is
 * true when the path has a `%` that starts no valid escape.
 */
function splitPath(rawPath: string): {
  bucket: string | undefined;
  key: string | undefined;
  malformed: boolean;
} {
  const path = rawPath.replace(/^\/+/, '');
  let malformed = false;
  try {
    decodeURIComponent(path);
  } catch {
    malformed = true;
  }
  if (path === '') return { bucket: undefined, key: undefined, malformed };
  const slash = path.indexOf('/');
  if (slash === -1) return { bucket: decodeComponent(path), key: undefined, malformed };
  const key = decodeComponent(path.slice(slash + 1));
  return {
    bucket: decodeComponent(path.slice(0, slash)),
    key: key === '' ? undefined : key,
    malformed,
  };
}

function normaliseHeaders(raw: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw.headers)) {
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Describes a Signature Version 2 request like a SigV4 one whose payload is not signed. */
function asUnsignedPayload(verified: VerifiedV2Request): VerifiedRequest {
  return {
    ...verified,
    payload: { kind: 'unsigned' },
    signingKey: Buffer.alloc(0),
    scope: { date: '', region: '', service: 's3' },
    amzDate: '',
    signature: '',
  };
}
