import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Account } from '../accounts/account-registry.js';
import type { VerifiedRequest } from './sigv4/verify-request.js';

/** An authenticated S3 request, addressed path-style: `/bucket/key`. */
export interface S3Request {
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  query: Map<string, string>;
  headers: Record<string, string | undefined>;
  raw: IncomingMessage;
  auth: VerifiedRequest;
  account: Account;
  requestId: string;
}

/** Sends a response with the standard S3 headers. */
export function send(
  response: ServerResponse,
  request: Pick<S3Request, 'requestId'>,
  status: number,
  headers: Record<string, string | number> = {},
  body?: string,
): void {
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  response.writeHead(status, {
    'x-amz-request-id': request.requestId,
    server: 'lyceum',
    ...(payload === undefined
      ? {}
      : { 'content-type': 'application/xml', 'content-length': payload.length }),
    ...headers,
  });
  response.end(payload);
}

/** Writes the status and headers of a response whose body is streamed next. */
export function sendHead(
  response: ServerResponse,
  request: Pick<S3Request, 'requestId'>,
  status: number,
  headers: Record<string, string | number>,
): void {
  response.writeHead(status, {
    'x-amz-request-id': request.requestId,
    server: 'lyceum',
    ...headers,
  });
}

/** Reads the caller's user metadata from `x-amz-meta-*` headers. */
export function userMetadataFrom(
  headers: Record<string, string | undefined>,
): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      metadata[name.slice('x-amz-meta-'.length)] = value;
    }
  }
  return metadata;
}

/** Turns stored user metadata back into `x-amz-meta-*` headers. */
export function userMetadataHeaders(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
  );
}
