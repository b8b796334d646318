import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'lk_';

/** Makes a new API key: `lk_` and 40 URL-safe characters (240 random bits). */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(30).toString('base64url')}`;
}

/**
 * Hashes an API key for storage and look-up. The keys are long and random, so a plain SHA-256
 * cannot be reversed by guessing, and a look-up by hash needs no per-key salt.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
