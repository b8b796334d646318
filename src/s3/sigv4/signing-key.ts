import { createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** A credential scope: `date/region/service/aws4_request`. */
export interface CredentialScope {
  date: string;
  region: string;
  service: string;
}

export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

/** Signing keys derived lately; a client signs many requests with one key per day. */
const recentKeys = new Map<string, Buffer>();
const MAX_RECENT_KEYS = 1024;

/** Derives the SigV4 signing key from a secret and a scope. */
export function deriveSigningKey(secretKey: string, scope: CredentialScope): Buffer {
  const cacheKey = `${secretKey}\n${scopeString(scope)}`;
  const recent = recentKeys.get(cacheKey);
  if (recent !== undefined) return recent;
  const signingKey = computeSigningKey(secretKey, scope);
  if (recentKeys.size >= MAX_RECENT_KEYS) recentKeys.clear();
  recentKeys.set(cacheKey, signingKey);
  return signingKey;
}

function computeSigningKey(secretKey: string, scope: CredentialScope): Buffer {
  const dateKey = hmac(`AWS4${secretKey}`, scope.date);
  const regionKey = hmac(dateKey, scope.region);
  const serviceKey = hmac(regionKey, scope.service);
  return hmac(serviceKey, 'aws4_request');
}

export function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signString(signingKey: Buffer, stringToSign: string): string {
  return hmac(signingKey, stringToSign).toString('hex');
}
