import type { FastifyRequest } from 'fastify';
import { stdSerializers } from 'pino';

/** Parts of query parameter names that mark a secret, such as `api_key` or `X-Amz-Signature`. */
const SECRET_NAME_PARTS = [
  'apikey',
  'bearer',
  'passwd',
  'api_key',
  'api-key',
  'token',
  'secret',
  'signature',
  'password',
  'credential',
  'authorization',
];

/**
 * Returns a request URL for the log, with the values of query parameters whose names mark a
 * secret, and every lyceum API key, replaced by `[redacted]`, so that a key someone puts in a URL
 * stays out of the log.
 */
export function urlForLog(url: string): string {
  return redactQueryNames(url).replace(API_KEY_PATTERN, '[redacted]');
}

/** A lyceum API key anywhere in a URL, as a parameter value, a path segment or a bare word. */
const API_KEY_PATTERN = /lk_[A-Za-z0-9_-]{16,}/g;

function redactQueryNames(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  // Parameters are split at "&", and also at "?" and ";", which some clients and servers use.
  const query = url
    .slice(queryStart + 1)
    .replace(/(^|[&?;])([^=&?;]*)=([^&?;]*)/g, (pair: string, separator: string, name: string) =>
      isSecretName(name) ? `${separator}${name}=[redacted]` : pair,
    );
  return `${url.slice(0, queryStart)}?${query}`;
}

function isSecretName(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape stays as it is; the name is still checked.
  }
  const lower = decoded.toLowerCase();
  return lower === 'auth' || SECRET_NAME_PARTS.some((part) => lower.includes(part));
}

/** Serializes a request for the log as Fastify does, with secrets in its query redacted. */
export function requestForLog(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: urlForLog(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Serializes an error for the log as pino does, without the raw bytes of a request that Node's
 * HTTP parser rejected, which contain its headers, the API key among them.
 */
export function errorForLog(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized.rawPacket;
  return serialized;
}
