import type { FastifyRequest } from 'fastify';

/** Parts of query parameter names that mark a secret, such as `api_key` or `X-Amz-Signature`. */
const SECRET_NAME_PARTS = [
  'apikey',
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
 * secret replaced by `[redacted]`, so that a key someone puts in a URL stays out of the log.
 */
export function urlForLog(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const nameEnd = pair.indexOf('=');
      const name = nameEnd === -1 ? pair : pair.slice(0, nameEnd);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape stays as it is; the name is still checked.
      }
      const lower = decoded.toLowerCase();
      const secret = lower === 'auth' || SECRET_NAME_PARTS.some((part) => lower.includes(part));
      return secret && nameEnd !== -1 ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
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
